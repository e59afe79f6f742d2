"""The request engine: a spec compiled into plans, served as an ASGI app (see docs/architecture.md)."""
