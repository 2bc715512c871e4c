"""What a user's file may be called: a plain name (no separator, no leading dot) ending in
.json, .jsonl or .csv, so no name reaches outside its owner's directory."""

MAX_NAME_LENGTH = 100
FILE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.(json|jsonl|csv)$"
