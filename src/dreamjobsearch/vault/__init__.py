"""Secrets at rest: users' third-party credentials, encrypted with AES-GCM under rotating keys."""
