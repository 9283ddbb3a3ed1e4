"""Data-subject rights requests: deadlines, the request state machine, and its CLI."""
