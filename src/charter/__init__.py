"""Charter: a small business's personal data, run from its privacy policy."""

__version__ = "0.1.0"
