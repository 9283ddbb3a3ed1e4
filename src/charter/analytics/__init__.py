"""Cookieless first-party statistics: daily aggregates only, with a visible objection."""
