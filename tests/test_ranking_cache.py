"""The ranking cache at shutdown: a build whose caller gave up is finished, not abandoned
with its database connection checked out."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import cast

import pytest

from dreamjobsearch.search.cache import RankingCache
from dreamjobsearch.search.index import RankingIndex


async def test_a_build_its_caller_gave_up_on_is_waited_for() -> None:
    cache = RankingCache()
    release = asyncio.Event()
    finished: list[int] = []

    async def build() -> RankingIndex:
        await release.wait()
        finished.append(1)
        return cast(RankingIndex, SimpleNamespace(version=1))

    # The caller gives up (a run interrupted at shutdown); the shielded build goes on.
    caller = asyncio.create_task(cache.get(1, 1, build))
    await asyncio.sleep(0)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller

    waiting = asyncio.create_task(cache.wait())
    await asyncio.sleep(0.05)
    assert not waiting.done()
    release.set()
    await asyncio.wait_for(waiting, 5)
    assert finished == [1]
