"""The request dependency both front ends authenticate through: the process's services.

The API reads a Bearer token and the pages a cookie, and each hands it to
`services.auth.authenticate`: one authentication path, two ways a token travels.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dreamjobsearch.services import Services


async def get_services(request: Request) -> Services:
    """The process's services, built by the app's lifespan."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
