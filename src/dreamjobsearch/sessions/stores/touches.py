"""When a store last recorded each session's use, so it writes `last_accessed` at most once
per interval instead of on every request."""

from __future__ import annotations

from collections import OrderedDict

MAX_TRACKED_SESSIONS = 100_000


class TouchThrottle:
    """This process's memory of recent writes, bounded (the oldest are forgotten first;
    forgetting only means one more write)."""

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._written: OrderedDict[str, float] = OrderedDict()

    def due(self, sid: str, now: float) -> bool:
        """Whether a use at `now` should be written."""
        last = self._written.get(sid)
        return last is None or now - last >= self._interval

    def written(self, sid: str, when: float) -> None:
        """Remember that the session's use at `when` was written."""
        self._written[sid] = when
        self._written.move_to_end(sid)
        if len(self._written) > MAX_TRACKED_SESSIONS:
            self._written.popitem(last=False)

    def forget(self, *sids: str) -> None:
        """The sessions ended."""
        for sid in sids:
            self._written.pop(sid, None)
