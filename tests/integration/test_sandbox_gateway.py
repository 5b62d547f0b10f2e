"""The sandbox gateway for real: the service on a free port (uvicorn, in this process), our
``SandboxGateway`` talking to it over HTTP, a payer's browser as plain HTTP requests, and a tiny
merchant server as the notify target that answers what each test scripts."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
import time
from collections.abc import AsyncIterator, Sequence

import attrs
import httpx
import pytest
import uvicorn
from litestar import Litestar, Request, Response, post

from shop_adapters.payments.sandbox import SandboxGateway
from shop_adapters.sandbox_gateway import Awkwardness, Sandbox, SandboxConfig, create_sandbox_app
from shop_adapters.shared.system import FixedClock, SystemClock
from shop_app.ordering.gateway import GatewayNotification, GatewayPaymentRequest
from shop_app.shared.ports import Clock
from shop_domain.shared.money import Money

SECRET = "integration-sandbox-secret-0123456789"
FAST = (0.05, 0.05, 0.05)
"""A retry schedule in tens of milliseconds (the real one is WeChat Pay's, in minutes)."""


@contextlib.asynccontextmanager
async def serving(app: Litestar) -> AsyncIterator[str]:
    """``app`` served on a free port of 127.0.0.1 until the block ends (then shut down as
    uvicorn does: the app's shutdown hooks run)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        assert not task.done(), task
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


@attrs.define
class Merchant:
    """The notify target: records each delivery and answers the next scripted status (then
    200)."""

    statuses: list[int] = attrs.field(factory=list)
    received: list[tuple[dict[str, str], bytes]] = attrs.field(factory=list)

    def app(self) -> Litestar:
        @post("/notify", status_code=200)
        async def notify(request: Request) -> Response[bytes]:  # type: ignore[type-arg]
            self.received.append((dict(request.headers), await request.body()))
            return Response(b"", status_code=self.statuses.pop(0) if self.statuses else 200)

        return Litestar([notify], openapi_config=None)

    async def wait_for(self, count: int, seconds: float = 5.0) -> None:
        deadline = time.monotonic() + seconds
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} arrived"
            await asyncio.sleep(0.01)


@attrs.define
class World:
    sandbox: Sandbox
    gateway: SandboxGateway
    merchant: Merchant
    browser: httpx.AsyncClient
    base: str
    notify_url: str
    clock: Clock

    def request(self, number: str = "P1", minor: int = 12_345) -> GatewayPaymentRequest:
        return GatewayPaymentRequest(
            payment_no=number,
            amount=Money(minor, "CNY"),
            subject="Tea <2 tins> & a cup",
            notify_url=self.notify_url,
            return_url="http://shop.invalid/orders/1",
            expires_at=self.clock.now() + dt.timedelta(minutes=30),
        )

    def verified(self, index: int) -> GatewayNotification:
        headers, body = self.merchant.received[index]
        return self.gateway.verify(headers, body, now=self.clock.now())


@contextlib.asynccontextmanager
async def world(
    *, statuses: Sequence[int] = (), clock: Clock | None = None, **awkward: object
) -> AsyncIterator[World]:
    clock = clock or SystemClock()
    merchant = Merchant(list(statuses))
    config = SandboxConfig(
        secret=SECRET,
        clock=clock,
        awkwardness=Awkwardness(**{"schedule": FAST, **awkward}),  # type: ignore[arg-type]
    )
    app = create_sandbox_app(config)
    async with (
        serving(merchant.app()) as merchant_url,
        serving(app) as base,
        httpx.AsyncClient(timeout=5) as client,
    ):
        gateway = SandboxGateway(base, SECRET, "shop", client, clock=clock)
        yield World(
            app.state.sandbox, gateway, merchant, client, base, f"{merchant_url}/notify", clock
        )


@pytest.mark.rule("PAY-1")
async def test_a_payer_pays_on_the_page_and_a_signed_notification_arrives() -> None:
    async with world() as w:
        created = await w.gateway.create(w.request())
        assert await w.gateway.create(w.request()) == created  # idempotent by payment_no
        assert created.pay_url == f"{w.base}/pay/{created.trade_no}"
        page = await w.browser.get(created.pay_url)
        assert page.status_code == 200
        assert "Tea &lt;2 tins&gt; &amp; a cup" in page.text  # the subject, escaped
        assert "123.45 CNY" in page.text
        assert f'<form method="post" action="/pay/{created.trade_no}">' in page.text
        paid = await w.browser.post(created.pay_url)
        assert paid.status_code == 200
        assert "http://shop.invalid/orders/1" in paid.text
        await w.merchant.wait_for(1)
        seen = w.verified(0)
        assert (seen.kind, seen.status, seen.payment_no, seen.trade_no, seen.amount) == (
            "payment",
            "paid",
            "P1",
            created.trade_no,
            Money(12_345, "CNY"),
        )
        status = await w.gateway.query("P1")
        assert (status.state, status.paid, status.paid_at) == (
            "paid",
            seen.amount,
            seen.occurred_at,
        )
        # paying twice changes nothing, and tells nothing more
        assert (await w.browser.post(created.pay_url)).status_code == 200
        await asyncio.sleep(0.2)
        assert len(w.merchant.received) == 1
        assert "Paid already" in (await w.browser.get(created.pay_url)).text


async def test_a_notification_is_retried_until_the_merchant_answers_2xx() -> None:
    async with world(statuses=[500, 503]) as w:
        created = await w.gateway.create(w.request())
        await w.browser.post(created.pay_url)
        await w.merchant.wait_for(3)
        ids = {w.verified(i).notification_id for i in range(3)}
        assert len(ids) == 1  # one notification, delivered three times, each signed afresh
        nonces = {headers["gateway-nonce"] for headers, _ in w.merchant.received}
        assert len(nonces) == 3
        [delivery] = await w.gateway.sent_notifications()
        assert [a.status for a in delivery.attempts] == [500, 503, 200]
        assert (delivery.delivered, delivery.gave_up) == (True, False)


async def test_a_delivery_gives_up_when_its_schedule_is_spent() -> None:
    async with world(statuses=[500] * 10, schedule=(0.01, 0.01)) as w:
        created = await w.gateway.create(w.request())
        await w.browser.post(created.pay_url)
        await w.merchant.wait_for(3)
        await asyncio.sleep(0.1)
        [delivery] = await w.gateway.sent_notifications()
        assert (len(delivery.attempts), delivery.delivered, delivery.gave_up) == (3, False, True)


@pytest.mark.rule("PAY-2")
async def test_duplicates_and_dropped_first_attempts_when_configured() -> None:
    async with world(duplicates=2, fail_first=2) as w:
        created = await w.gateway.create(w.request())
        await w.browser.post(created.pay_url)
        await w.merchant.wait_for(3)
        await asyncio.sleep(0.1)
        assert len(w.merchant.received) == 3  # once, then two duplicates
        assert len({w.verified(i) for i in range(3)}) == 1
        [delivery] = await w.gateway.sent_notifications()
        assert [(a.status, a.error, a.duplicate) for a in delivery.attempts] == [
            (None, "dropped", False),
            (None, "dropped", False),
            (200, None, False),
            (200, None, True),
            (200, None, True),
        ]


@pytest.mark.rule("PAY-2")
async def test_a_payment_of_another_amount_is_notified_as_paid_and_queried_so() -> None:
    async with world() as w:
        created = await w.gateway.create(w.request())
        simulated = await w.browser.post(
            f"{w.base}/simulate/{created.trade_no}/pay", json={"amount": 1}
        )
        assert simulated.status_code == 200, simulated.text
        await w.merchant.wait_for(1)
        assert w.verified(0).amount == Money(1, "CNY")
        status = await w.gateway.query("P1")
        assert (status.amount, status.paid) == (Money(12_345, "CNY"), Money(1, "CNY"))


async def test_stopping_the_service_stops_its_deliveries() -> None:
    async with world(statuses=[500] * 10, schedule=(60.0,)) as w:
        created = await w.gateway.create(w.request())
        await w.browser.post(created.pay_url)
        await w.merchant.wait_for(1)
        notifier = w.sandbox.notifier
        assert notifier._tasks  # waiting a minute before its retry
    assert not notifier._tasks  # the shutdown ended it, well before the minute


async def test_an_expired_payment_cannot_be_paid() -> None:
    clock = FixedClock(dt.datetime.now(dt.UTC))
    async with world(clock=clock) as w:
        created = await w.gateway.create(w.request())
        clock.advance(minutes=30)
        assert "expired" in (await w.browser.get(created.pay_url)).text
        refused = await w.browser.post(created.pay_url)
        assert refused.status_code == 409
        assert (await w.gateway.query("P1")).state == "pending"
