"""Tables of the subjects feature."""
