"""Persistence: the engine, the tables, one repository per aggregate, and migrations."""
