"""A user's third-party credentials: store, list (names only) and delete; values never leave."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from dreamjobsearch.api.deps import CallerDep
from dreamjobsearch.http_common.valid_input import CheckedRoute
from dreamjobsearch.vault.vault import MAX_VALUE_BYTES

router = APIRouter(prefix="/me/secrets", tags=["secrets"], route_class=CheckedRoute)

SecretName = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
NO_STORE = {"Cache-Control": "no-store"}


class SecretIn(BaseModel):
    """The credential to keep (for example an OAuth refresh token), as text."""

    model_config = ConfigDict(extra="forbid")

    value: SecretStr = Field(min_length=1, max_length=MAX_VALUE_BYTES)


class SecretInfoOut(BaseModel):
    """A stored credential: its name and when it was set; never its value."""

    name: str
    updated_at: datetime


@router.get("")
async def list_secrets(caller: CallerDep, response: Response) -> list[SecretInfoOut]:
    """Your stored credentials, by name."""
    services = caller.services
    response.headers.update(NO_STORE)
    return [
        SecretInfoOut(name=info.name, updated_at=info.updated_at)
        for info in await services.vault.names(caller.user_id)
    ]


@router.put("/{name}", status_code=204, responses={400: {"description": "bad name or value"}})
async def store_secret(name: SecretName, body: SecretIn, caller: CallerDep) -> Response:
    """Store (or replace) a credential, encrypted at rest. It is never shown again."""
    services = caller.services
    await services.vault.store(caller.user_id, name, body.value.get_secret_value())
    return Response(status_code=204, headers=NO_STORE)


@router.delete("/{name}", status_code=204, responses={404: {"description": "no such secret"}})
async def delete_secret(name: SecretName, caller: CallerDep) -> Response:
    """Forget a credential."""
    services = caller.services
    await services.vault.delete(caller.user_id, name)
    return Response(status_code=204, headers=NO_STORE)
