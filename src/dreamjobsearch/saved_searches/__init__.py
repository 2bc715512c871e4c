"""Saved searches: keeping them (`service.py`), running them when due (`scheduler.py`), and
turning a run's new matches into alerts (`alerts.py`)."""
