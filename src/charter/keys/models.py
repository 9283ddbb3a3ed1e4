"""The keys feature keeps no tables: keys live in the key ring outside the database, and
each data key names the master that wraps it (``vault.models.DataKey.master_key_id``)."""
