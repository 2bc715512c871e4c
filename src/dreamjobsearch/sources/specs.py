"""How a request names a source: `{"type": ..., ...}` objects, validated by type."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FileSourceSpec(BaseModel):
    """A JSON or CSV file of postings under DATA_DIR."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["file"]
    path: str = Field(min_length=1, max_length=1024, description="path relative to DATA_DIR")


SourceSpec = FileSourceSpec
