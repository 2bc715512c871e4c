"""In-process event fan-out (one server process)."""

from __future__ import annotations

from dreamjobsearch.events.base import Event, Subscription


class MemoryEventBus:
    """Fans a user's events out to that user's subscriptions in this process."""

    def __init__(self, queue_size: int) -> None:
        self._queue_size = queue_size
        self._subscribers: dict[int, set[Subscription]] = {}

    async def publish(self, user_id: int, event: Event) -> None:
        """Put the event on each of the user's queues; never waits for a reader."""
        for subscription in tuple(self._subscribers.get(user_id, ())):
            subscription.put(event)

    def subscribe(self, user_id: int) -> Subscription:
        """Open a bounded subscription to the user's events."""
        subscription = Subscription(user_id, self._queue_size)
        self._subscribers.setdefault(user_id, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Close the subscription and drop it from the fan-out."""
        subscription.close()
        subscribers = self._subscribers.get(subscription.user_id)
        if subscribers is None:
            return
        subscribers.discard(subscription)
        if not subscribers:
            del self._subscribers[subscription.user_id]

    def subscriber_count(self, user_id: int) -> int:
        """How many subscriptions the user has open here."""
        return len(self._subscribers.get(user_id, ()))
