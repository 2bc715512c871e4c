"""The request dependency both front ends start from: the process's services (who the
caller is, from either of a token's transports, is `caller.py`'s)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dreamjobsearch.services import Services


async def get_services(request: Request) -> Services:
    """The process's services, built by the app's lifespan."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
