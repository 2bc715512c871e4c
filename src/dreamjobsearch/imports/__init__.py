"""Reading a posting file of any size a piece at a time, each piece validated and prepared
to store: in a thread for a small file, in a reader process for a large one
(`reader.py`), so the CPU work runs beside the database work instead of sharing one
interpreter lock with it."""
