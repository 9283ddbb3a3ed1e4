"""Tables of the campaigns feature."""
