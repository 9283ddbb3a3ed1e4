"""The backup feature keeps no tables: a backup describes itself in its manifest
(``backup.schemas.Manifest``), and what must outlive a restore lives in files beside the
key ring (the tombstone journal, the audit anchor)."""
