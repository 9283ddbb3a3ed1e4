"""Tables of the retention feature."""
