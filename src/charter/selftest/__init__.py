"""Self-tests a firm runs against its own running installation (``charter selftest``)."""
