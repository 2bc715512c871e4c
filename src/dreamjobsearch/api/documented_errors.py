"""The error answers every operation can give, written into the OpenAPI document.

Routes document their own particular errors (404, 409, ...). These come from what surrounds
every route, so they are added to each operation here rather than repeated by hand: 401
where a token is required, 403 where an admin is, 422 for an invalid body, 400 for a request
the domain refuses, 413 for a body over the limit, 414 and 431 for a request line or headers
over the server's limit, 503 when the database or Redis is unavailable. Clients generated
from the document, and the schemathesis fuzzing, then know every status they may meet.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

# `{"detail": ...}`: a sentence, or (invalid input) one entry per field.
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}]}
    },
}
COMMON = {
    400: "the request asks for something that cannot be done",
    413: "the request body is over the size limit",
    414: "the request line (method and URL) is over the server's size limit",
    431: "the request headers are over the server's size limit",
    503: "the database or Redis is unavailable, or the server is full: try again shortly",
}
AUTHENTICATED = {401: "no valid token, or its session has ended"}
ADMIN = {403: "admins only"}
WITH_BODY = {422: "the body is not valid: `detail` names each problem"}


def document_common_errors(app: FastAPI) -> None:
    """Have the app's OpenAPI document list the common error answers of every operation:
    401 where the operation takes a Bearer token, 403 under /admin, and `COMMON` everywhere."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                errors = dict(COMMON)
                if operation.get("security"):
                    errors |= AUTHENTICATED
                if path.startswith("/admin/"):
                    errors |= ADMIN
                if "requestBody" in operation:
                    errors |= WITH_BODY
                responses = operation.setdefault("responses", {})
                for status, description in errors.items():
                    documented = responses.setdefault(str(status), {})
                    documented.setdefault("description", description)
                    documented.setdefault("content", {"application/json": {"schema": ERROR_SCHEMA}})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
