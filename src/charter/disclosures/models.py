"""Tables of the disclosures feature."""
