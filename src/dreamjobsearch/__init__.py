"""DreamJobSearch: a self-hosted, multi-user job-search service."""

__version__ = "0.1.0"
