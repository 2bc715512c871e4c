"""Denylists of ended sessions, for the stateless store (`lazy`): one protocol, one file per
backend."""
