"""Unit tests of the event bus: bounded subscriptions and per-user fan-out."""

from __future__ import annotations

import asyncio
import inspect
import json
import time

from dreamjobsearch.events.base import Event, Subscription
from dreamjobsearch.events.memory import MemoryEventBus

WITHIN = 2  # seconds any single wait may take before the test fails


def log(number: int) -> Event:
    """A numbered log event."""
    return Event(kind="log", message=f"event {number}", data={"n": number})


async def next_event(subscription: Subscription) -> Event | None:
    """The subscription's next event, failing the test instead of hanging."""
    return await asyncio.wait_for(subscription.get(), WITHIN)


async def numbers(subscription: Subscription, count: int) -> list[int]:
    """The numbers of the next `count` events (none of which may be an end or a warning)."""
    found = []
    for _ in range(count):
        event = await next_event(subscription)
        assert event is not None
        assert event.level == "info"
        found.append(event.data["n"])
    return found


async def is_waiting(subscription: Subscription) -> bool:
    """Whether `get` would wait (nothing to read and not closed)."""
    task = asyncio.create_task(subscription.get())
    # One turn of the loop runs the task up to its first wait: with anything to read (or a
    # closed stream) it has returned by then, so a task still pending is really waiting.
    await asyncio.sleep(0)
    waiting = not task.done()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return waiting


def test_event_serialises_to_the_stream_shape() -> None:
    event = Event(kind="progress", message="half", run_id="r1", data={"percent": 50})
    as_dict = event.to_dict()
    assert set(as_dict) == {"ts", "level", "kind", "run_id", "message", "data"}
    assert as_dict["level"] == "info"
    assert as_dict["data"] == {"percent": 50}
    assert json.loads(json.dumps(as_dict)) == as_dict


async def test_events_come_out_in_order() -> None:
    subscription = Subscription(user_id=1, maxsize=10)
    for number in range(3):
        subscription.put(log(number))
    assert await numbers(subscription, 3) == [0, 1, 2]


async def test_get_waits_for_the_next_put() -> None:
    subscription = Subscription(user_id=1, maxsize=10)
    pending = asyncio.create_task(subscription.get())
    await asyncio.sleep(0)  # the task has run up to its wait (see `is_waiting`)
    assert not pending.done()
    event = log(7)
    subscription.put(event)
    assert await asyncio.wait_for(pending, WITHIN) is event


async def test_full_queue_drops_the_oldest_and_reports_the_count_once() -> None:
    subscription = Subscription(user_id=1, maxsize=3)
    for number in range(10):
        subscription.put(log(number))

    warning = await next_event(subscription)
    assert warning is not None
    assert warning.kind == "log"
    assert warning.level == "warning"
    assert warning.data == {"dropped": 7}
    assert "7" in warning.message

    assert await numbers(subscription, 3) == [7, 8, 9]
    assert await is_waiting(subscription)  # no second warning, nothing else


async def test_a_later_overflow_reports_only_its_own_drops() -> None:
    subscription = Subscription(user_id=1, maxsize=2)
    for number in range(5):
        subscription.put(log(number))
    first = await next_event(subscription)
    assert first is not None
    assert first.data == {"dropped": 3}
    assert await numbers(subscription, 2) == [3, 4]

    for number in range(5, 9):
        subscription.put(log(number))
    second = await next_event(subscription)
    assert second is not None
    assert second.data == {"dropped": 2}
    assert await numbers(subscription, 2) == [7, 8]


async def test_no_warning_without_drops() -> None:
    subscription = Subscription(user_id=1, maxsize=3)
    for number in range(3):
        subscription.put(log(number))
    assert await numbers(subscription, 3) == [0, 1, 2]
    assert await is_waiting(subscription)


def test_put_never_blocks() -> None:
    assert not inspect.iscoroutinefunction(Subscription.put)
    subscription = Subscription(user_id=1, maxsize=1)
    started = time.monotonic()
    for number in range(100_000):
        subscription.put(log(number))
    assert time.monotonic() - started < 5


async def test_queue_stays_bounded() -> None:
    subscription = Subscription(user_id=1, maxsize=4)
    for number in range(1000):
        subscription.put(log(number))
    warning = await next_event(subscription)
    assert warning is not None
    assert warning.data == {"dropped": 996}
    assert await numbers(subscription, 4) == [996, 997, 998, 999]
    assert await is_waiting(subscription)


async def test_close_wakes_a_pending_get() -> None:
    subscription = Subscription(user_id=1, maxsize=10)
    pending = asyncio.create_task(subscription.get())
    await asyncio.sleep(0)  # the task has run up to its wait (see `is_waiting`)
    assert not pending.done()
    subscription.close()
    assert await asyncio.wait_for(pending, WITHIN) is None
    assert subscription.closed


async def test_closed_subscription_returns_none_and_ignores_puts() -> None:
    subscription = Subscription(user_id=1, maxsize=10)
    subscription.put(log(1))
    subscription.close()
    subscription.put(log(2))
    assert await next_event(subscription) is None
    assert await next_event(subscription) is None


async def test_publish_reaches_every_subscription_of_the_user() -> None:
    bus = MemoryEventBus(queue_size=10)
    first, second = bus.subscribe(1), bus.subscribe(1)
    event = log(1)
    await bus.publish(1, event)
    assert await next_event(first) is event
    assert await next_event(second) is event


async def test_users_are_isolated() -> None:
    bus = MemoryEventBus(queue_size=10)
    alice, bob = bus.subscribe(1), bus.subscribe(2)
    await bus.publish(1, log(1))
    await bus.publish(2, log(2))
    got_alice = await next_event(alice)
    got_bob = await next_event(bob)
    assert got_alice is not None
    assert got_bob is not None
    assert got_alice.data["n"] == 1
    assert got_bob.data["n"] == 2
    assert await is_waiting(alice)
    assert await is_waiting(bob)


async def test_publish_without_subscribers_is_a_no_op() -> None:
    bus = MemoryEventBus(queue_size=10)
    await asyncio.wait_for(bus.publish(42, log(1)), WITHIN)
    assert bus.subscriber_count(42) == 0
    late = bus.subscribe(42)
    assert await is_waiting(late)  # events are not kept for later subscribers


async def test_publish_never_waits_for_a_slow_reader() -> None:
    bus = MemoryEventBus(queue_size=5)
    slow = bus.subscribe(1)
    async with asyncio.timeout(WITHIN):
        for number in range(50):
            await bus.publish(1, log(number))
    warning = await next_event(slow)
    assert warning is not None
    assert warning.data == {"dropped": 45}
    assert await numbers(slow, 5) == [45, 46, 47, 48, 49]


async def test_each_subscription_has_its_own_queue() -> None:
    bus = MemoryEventBus(queue_size=2)
    slow, fast = bus.subscribe(1), bus.subscribe(1)
    for number in range(4):
        await bus.publish(1, log(number))
        assert await numbers(fast, 1) == [number]  # the fast reader loses nothing
    warning = await next_event(slow)
    assert warning is not None
    assert warning.data == {"dropped": 2}
    assert await numbers(slow, 2) == [2, 3]


async def test_unsubscribe_removes_it_from_the_fan_out() -> None:
    bus = MemoryEventBus(queue_size=10)
    leaving, staying = bus.subscribe(1), bus.subscribe(1)
    bus.unsubscribe(leaving)
    assert leaving.closed
    await bus.publish(1, log(1))
    assert await next_event(leaving) is None
    got = await next_event(staying)
    assert got is not None
    assert got.data["n"] == 1


async def test_unsubscribe_wakes_a_pending_get() -> None:
    bus = MemoryEventBus(queue_size=10)
    subscription = bus.subscribe(1)
    pending = asyncio.create_task(subscription.get())
    await asyncio.sleep(0)  # the task has run up to its wait (see `is_waiting`)
    assert not pending.done()
    bus.unsubscribe(subscription)
    assert await asyncio.wait_for(pending, WITHIN) is None


def test_subscriber_count() -> None:
    bus = MemoryEventBus(queue_size=10)
    assert bus.subscriber_count(1) == 0
    first, second = bus.subscribe(1), bus.subscribe(1)
    other = bus.subscribe(2)
    assert bus.subscriber_count(1) == 2
    assert bus.subscriber_count(2) == 1
    bus.unsubscribe(first)
    assert bus.subscriber_count(1) == 1
    bus.unsubscribe(first)  # twice is harmless
    assert bus.subscriber_count(1) == 1
    bus.unsubscribe(second)
    assert bus.subscriber_count(1) == 0
    assert bus.subscriber_count(2) == 1
    bus.unsubscribe(other)
    assert bus.subscriber_count(2) == 0
    bus.unsubscribe(other)
    assert bus.subscriber_count(2) == 0


def test_subscriptions_use_the_bus_queue_size() -> None:
    bus = MemoryEventBus(queue_size=7)
    subscription = bus.subscribe(3)
    assert subscription.maxsize == 7
    assert subscription.user_id == 3
    assert not subscription.closed
