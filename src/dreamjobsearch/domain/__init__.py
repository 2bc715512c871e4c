"""The domain's values and rules: postings, ranking, tracking, what a run searches for.

Leaf modules: they import no storage, web or framework code, so every layer may use them.
"""
