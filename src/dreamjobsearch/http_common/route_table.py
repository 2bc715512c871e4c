"""`add_routes`: the routes of our routers go straight into the app's own route table.

FastAPI 0.137 and later keep an included router as one node of the table (`include_router`)
and, for every request, walk the routes behind each node in turn, twice (once to match,
once to handle), with bookkeeping in the request's scope at every route: a 404 walked all of
them at about four times the cost of a plain table, and each route paid for every router
before its own (docs/benchmarks.md, "The route table"). Our routers declare their path
prefix, tags, responses and route class themselves, so each route is complete as declared
and needs nothing an inclusion would add.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute


def add_routes(app: FastAPI, *routers: APIRouter) -> None:
    """Append each router's routes to `app`'s table, in order (earlier routes match first).

    A router that includes another router is refused: its routes would keep the node this
    function exists to avoid.
    """
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                raise TypeError(f"add_routes takes path operations only, not {route!r}")
        app.router.routes.extend(router.routes)
