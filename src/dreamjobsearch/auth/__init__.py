"""Accounts: password hashing, JWT access tokens, login throttling and the auth service."""
