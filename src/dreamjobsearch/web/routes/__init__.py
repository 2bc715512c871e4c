"""The web UI's routers, one per page or group of pages."""
