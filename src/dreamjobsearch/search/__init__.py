"""Ranking at scale: the search index finds keywords, in-memory bitmaps rank and page."""
