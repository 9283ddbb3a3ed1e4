"""Backups that never hold keys and restores that keep erasures erased."""
