"""The compliance feature keeps no tables: the report is computed from the live data each
time it runs (Art. 5(2)), and each run is recorded in the audit log."""
