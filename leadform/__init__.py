"""leadform: a self-hosted lead-capture form service."""

__version__ = "0.1.0"
