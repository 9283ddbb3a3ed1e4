"""Screening free text for special-category, criminal-offence and identifier data.

The privacy policy promises that no special-category data (UK GDPR Art. 9) and no
criminal-offence data (Art. 10) is collected, yet people write what they like into a
contact form. ``service.screen_text`` finds such passages, and the identifiers that make
a message personal data at all (Art. 4(1)), so the caller can redact or refuse them.
"""
