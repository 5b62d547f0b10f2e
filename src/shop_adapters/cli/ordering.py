"""The ordering context's share of ``shop``:

- ``shop orders expire``: cancel every order past its time to pay now (ORD-5: stock, coupons,
  points and gift-card amounts given back, the payment closed); prints how many;
- ``shop orders show NUMBER``: an order, its children and its payment;
- two sweeps, run by ``shop sweep``, the serve loop and ``shop jobs run``: the same timeout,
  and the refunds whose external part the gateway has not given back yet (PAY-4's retries).
"""

from __future__ import annotations

import asyncio
from typing import Final

import click

from shop_adapters.cli.ordering_stats import STATS_COMMAND
from shop_adapters.cli.support import (
    ContextCommands,
    Sweep,
    bootstrapped,
    console,
    settings_from_env,
)
from shop_adapters.runtime import Runtime
from shop_app.ordering.paying import PaymentService
from shop_app.ordering.queries import OrderDetail, OrderQueries, OrderSearch
from shop_app.shared.paging import PageRequest

STEP: Final = 500


async def expire_overdue(runtime: Runtime) -> int:
    """Cancel the overdue orders in steps until none is left (ORD-5)."""
    service: PaymentService = runtime.get(PaymentService)
    total = 0
    while cancelled := await service.expire_overdue(STEP):
        total += cancelled
    return total


async def send_refunds(runtime: Runtime) -> int:
    """Send the refunds due to the gateway (one pass: a refund the gateway refuses now waits
    for the next)."""
    service: PaymentService = runtime.get(PaymentService)
    return await service.send_refunds(None, STEP)


async def find(runtime: Runtime, number: str) -> OrderDetail | None:
    queries = runtime.get(OrderQueries)
    page = await queries.search(OrderSearch(number=number), PageRequest(page=1, page_size=1))
    if not page.items:
        return None
    return await queries.detail(page.items[0].id)


def _print(detail: OrderDetail) -> None:
    s = detail.summary
    click.echo(f"order {s.number}  {s.state}  {s.payable}  user {s.user_id}  channel {s.channel}")
    click.echo(f"  created {s.created_at.isoformat()}  pay by {s.expires_at.isoformat()}")
    if detail.cancelled_at is not None:
        click.echo(f"  cancelled {detail.cancelled_at.isoformat()} ({detail.cancel_reason})")
    for child in detail.children:
        click.echo(
            f"  {child.number}  {child.kind}  {child.state}  shop {child.shop_id}  "
            f"payable {child.amounts.get('payable', 0)}"
        )
        for line in child.lines:
            click.echo(f"    {line.quantity} x {line.name} ({line.sku_id})")
    payment = detail.payment
    if payment is not None:
        click.echo(
            f"  payment {payment.number}  {payment.state}  external {payment.external}  "
            f"gift cards {payment.gift_card}  refunded {payment.refunded}"
            + (f"  flags: {', '.join(payment.flags)}" if payment.flags else "")
        )


def _run(job: object) -> None:
    async def main() -> None:
        runtime = await bootstrapped(settings_from_env())
        try:
            await job(runtime)  # type: ignore[operator]
        finally:
            await runtime.close()

    asyncio.run(main())


@click.group()
def orders() -> None:
    """Orders: the payment timeout, an order by its number, the statistics."""


@orders.command("expire")
def expire() -> None:
    """Cancel every order past its time to pay, now (ORD-5); safe to run at any time."""

    async def job(runtime: Runtime) -> None:
        click.echo(f"cancelled {await expire_overdue(runtime)} overdue order(s)")

    _run(job)


@orders.command("show")
@click.argument("number")
def show(number: str) -> None:
    """Show the order numbered NUMBER (a parent order's number)."""

    async def job(runtime: Runtime) -> None:
        detail = await find(runtime, number)
        if detail is None:
            console.print(f"[red]no order is numbered {number!r}[/]")
            raise SystemExit(1)
        _print(detail)

    _run(job)


orders.add_command(STATS_COMMAND)

ORDERING_COMMANDS = ContextCommands(
    "ordering",
    commands=(orders,),
    sweeps=(
        Sweep("cancelled {n} overdue order(s)", expire_overdue),
        Sweep("sent {n} refund(s)", send_refunds),
    ),
)

__all__ = ["ORDERING_COMMANDS", "expire_overdue", "send_refunds"]
