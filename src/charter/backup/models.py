"""Tables of the backup feature."""
