"""The ASGI entry point for any server: `uvicorn app:app`."""

from leadform.application import create_app

app = create_app()
