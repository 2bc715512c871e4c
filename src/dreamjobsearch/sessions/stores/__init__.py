"""Session stores: one protocol (`base.py`) and one small module per backend."""
