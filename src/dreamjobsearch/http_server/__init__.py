"""How `dreamjob serve` holds up against connection and header floods (uvicorn, h11)."""
