"""One person's timeline across every feature, for staff and operators."""
