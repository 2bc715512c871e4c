"""Per-user event fan-out: run progress and log lines for the user's open streams."""
