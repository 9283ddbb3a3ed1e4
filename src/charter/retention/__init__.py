"""Retention that deletes on time: the sweep, legal holds, what expires next."""
