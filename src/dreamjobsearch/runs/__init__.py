"""Where update runs execute: in this process (`local`) or, later, on a job queue."""
