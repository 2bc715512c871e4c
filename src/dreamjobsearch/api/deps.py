"""The API's callers: the `Caller` behind a Bearer token, and the admin among them.

The API reads the Bearer header only, never the pages' session cookie: its state-changing
routes carry no CSRF token, so a cookie (which the browser adds by itself) must not
authorise them. The services come from `http_common.deps`, shared with the pages.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dreamjobsearch.http_common.caller import Caller, bearer_caller, require_admin

# `Caller` is named here too: the API's routes take everything about their caller from here.
__all__ = ["AdminDep", "Caller", "CallerDep", "current_admin"]

CallerDep = Annotated[Caller, Depends(bearer_caller)]


async def current_admin(caller: CallerDep) -> Caller:
    """The caller, whose account must have the admin flag (403 otherwise)."""
    await require_admin(caller.services, caller)
    return caller


AdminDep = Annotated[Caller, Depends(current_admin)]
