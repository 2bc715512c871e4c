"""Broadcasts of ended sessions, so every process's session cache forgets them: one protocol,
one file per channel."""
