"""leadform: a self-hosted lead-capture form service."""

__version__ = "0.2.0"  # with a section in CHANGELOG.md
