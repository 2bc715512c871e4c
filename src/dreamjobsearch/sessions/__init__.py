"""Server-side sessions: records in a pluggable store, live workspaces and streams per process."""
