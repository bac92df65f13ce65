"""The suite's services; each is a separately deployable ASGI app with its own database."""
