"""Tables of the keys feature."""
