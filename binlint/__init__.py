"""binlint: lint build artifacts for what makes them fail on the user's machine."""

__version__ = "0.1.0"
