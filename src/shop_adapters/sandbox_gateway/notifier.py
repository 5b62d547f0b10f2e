"""The sandbox's notifications: each POSTed, signed, to the payment's ``notify_url`` in a
background task, retried on the schedule until the merchant answers 2xx — and, to be as
awkward as real gateways, delayed, sent more than once, or dropped on the first attempts if
configured. Every attempt is recorded (``GET /v1/notifications``). :meth:`Notifier.aclose`
stops them all (the service's shutdown)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import attrs
import httpx

from shop_adapters.payments import wire
from shop_adapters.payments.notifications import signed_notification
from shop_app.shared.ports import Clock

log = logging.getLogger("shop.sandbox_gateway")

WECHAT_SCHEDULE: tuple[float, ...] = (
    15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
)  # fmt: skip
"""Seconds before each retry, as WeChat Pay spaces them (15 s, 15 s, 30 s, 3 min, 10 min, …,
about a day in all); then it gives up."""


@attrs.frozen(kw_only=True)
class Awkwardness:
    """How the sandbox's deliveries misbehave, like real gateways'."""

    schedule: Sequence[float] = WECHAT_SCHEDULE
    """Seconds before each retry after a failed attempt; when spent, the delivery gives up."""
    delay: float = 0.0
    """Seconds before a notification's first attempt."""
    duplicates: int = 0
    """Extra deliveries of each notification once it has been acknowledged."""
    fail_first: int = 0
    """The service's first N attempts are dropped before they reach the merchant (counted as
    failed, retried on the schedule)."""
    timeout: float = 5.0
    """Seconds the merchant has to answer an attempt."""


@attrs.define
class Delivery:
    notification: wire.Notification
    url: str
    attempts: list[wire.Attempt] = attrs.field(factory=list)
    delivered: bool = False
    gave_up: bool = False

    def wire(self) -> wire.Delivery:
        return wire.Delivery(
            notification=self.notification,
            url=self.url,
            delivered=self.delivered,
            gave_up=self.gave_up,
            attempts=list(self.attempts),
        )


class Notifier:
    def __init__(self, secret: str, clock: Clock, awkwardness: Awkwardness) -> None:
        self._secret = secret
        self._clock = clock
        self.awkwardness = awkwardness
        self._to_drop = awkwardness.fail_first
        self.deliveries: list[Delivery] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    def send(self, url: str, notification: wire.Notification) -> None:
        """Deliver ``notification`` to ``url`` in the background."""
        delivery = Delivery(notification, url)
        self.deliveries.append(delivery)
        task = asyncio.create_task(self._deliver(delivery), name=f"notify {notification.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        """Stop every delivery still going (they end where they are) and the HTTP client."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _deliver(self, delivery: Delivery) -> None:
        awkward = self.awkwardness
        if awkward.delay:
            await asyncio.sleep(awkward.delay)
        for wait in (0.0, *awkward.schedule):
            if wait:
                await asyncio.sleep(wait)
            if await self._attempt(delivery):
                delivery.delivered = True
                break
        else:
            delivery.gave_up = True
            log.warning("notification %s: gave up after %d attempts", delivery.notification.id,
                        len(delivery.attempts))  # fmt: skip
            return
        for _ in range(awkward.duplicates):
            await self._attempt(delivery, duplicate=True)

    async def _attempt(self, delivery: Delivery, *, duplicate: bool = False) -> bool:
        now = self._clock.now()
        if self._to_drop > 0:
            self._to_drop -= 1
            delivery.attempts.append(wire.Attempt(at=now, status=None, error="dropped"))
            return False
        signed = signed_notification(self._secret, delivery.notification, now=now)
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.awkwardness.timeout)
        try:
            response = await self._client.post(
                delivery.url, content=signed.body, headers=signed.headers
            )
        except httpx.HTTPError as exc:
            delivery.attempts.append(
                wire.Attempt(at=now, status=None, error=type(exc).__name__, duplicate=duplicate)
            )
            return False
        delivery.attempts.append(
            wire.Attempt(at=now, status=response.status_code, duplicate=duplicate)
        )
        return response.is_success
