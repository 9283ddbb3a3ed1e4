"""Periodic jobs: what must happen on time without anyone asking (retention, purges...)."""
