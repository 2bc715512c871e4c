"""What users ask of a run: `UpdateParams`, and a saved search (`SavedSearchSpec`).

They name sources, whose specs come from the source catalog, so they sit just above
`sources` (the domain below knows no source).
"""
