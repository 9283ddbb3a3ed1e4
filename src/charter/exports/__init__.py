"""Access (UK GDPR Art. 15) and portability (Art. 20) packages for one data subject."""
