"""Measure the memory an object graph really holds (not the length of its repr)."""

from __future__ import annotations

import asyncio
import gc
import sys
import types
from collections.abc import Iterable

# Shared by everything, so never charged to one session.
_SHARED_TYPES: tuple[type, ...] = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.CodeType,
    asyncio.AbstractEventLoop,
)


def deep_size(roots: Iterable[object], exclude: Iterable[object] = ()) -> int:
    """Bytes held by `roots` and everything they reference, each object counted once.

    Objects in `exclude` (and what only they reach) are left out: pass the services that all
    sessions share so that one session is charged for its own objects only.
    """
    seen = {id(obj) for obj in exclude}
    stack = list(roots)
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _SHARED_TYPES):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total
