"""Key rotation: re-wrapping data keys under a new master key."""
