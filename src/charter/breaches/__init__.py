"""The personal-data breach register (Art. 33-34)."""
