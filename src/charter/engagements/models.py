"""Tables of the engagements feature."""
