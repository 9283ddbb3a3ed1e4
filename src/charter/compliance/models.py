"""Tables of the compliance feature."""
