"""Denylists of ended sessions, for the `lazy` store: one protocol, one file per backend."""
