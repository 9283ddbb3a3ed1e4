"""Tables of the subjects feature: none. A timeline is read from the other features'
tables and the audit log; it stores nothing of its own."""
