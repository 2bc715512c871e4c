"""The JSON HTTP API: thin routers over the workspace, sessions and auth service."""
