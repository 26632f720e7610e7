"""The web layer: thin endpoints that parse, call the domain and render."""
