"""The board's HTTP service: routers per area, mounted by the app factory."""
