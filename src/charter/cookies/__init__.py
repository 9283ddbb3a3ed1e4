"""Cookie consent: the banner, the settings page, the choice log, and Google Analytics
loaded only after opt-in (PECR reg. 6)."""
