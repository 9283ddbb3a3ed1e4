"""Tables of the breaches feature."""
