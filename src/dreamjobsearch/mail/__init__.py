"""Outgoing email (`smtp.py`): the alert digests of saved searches."""
