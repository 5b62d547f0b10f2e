"""``shop giftcards …``: batches of any size from the command line — create and fill them with
a progress bar, open them, export them for the printer, look a card up, re-seal every secret
under the current key.

The command line is run by someone with a shell on the server: it acts as the operator named by
``--by`` (recorded in the batch history and the audit log) and holds the key to open batches.
Exports still need the one-time code sent to the batch owner's (or administrator's) phone
(GC-12): the command sends it and asks for it.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

import click

from shop_adapters.cli.support import (
    ContextCommands,
    console,
    report_job,
    run_job_with_bar,
    run_with_runtime,
)
from shop_adapters.runtime import Runtime
from shop_app.giftcards import commands as c
from shop_app.giftcards.results import BatchStarted, ExportStarted
from shop_app.giftcards.services import GiftCardServices
from shop_app.shared.auth import Principal
from shop_app.shared.otp import Challenge
from shop_domain.giftcards.batch import BatchDefinition, CardKind, Validity
from shop_domain.shared.money import Money

T = TypeVar("T")


def _run(job: Callable[[Runtime, GiftCardServices], Awaitable[T]]) -> T:
    def with_giftcards(runtime: Runtime) -> Awaitable[T]:
        return job(runtime, runtime.get(GiftCardServices))

    return run_with_runtime(with_giftcards)


def _operator(name: str, *permissions: str) -> Principal:
    return Principal(subject=name, kind="operator", permissions=frozenset(permissions))


def _numbers(path: Path | None) -> tuple[str, ...] | None:
    if path is None:
        return None
    with path.open(encoding="utf-8") as lines:
        return tuple(line.strip() for line in lines if line.strip())


async def _fill(runtime: Runtime, started: BatchStarted) -> None:
    click.echo(f"batch {started.batch_id}: {started.requested} card(s) requested")
    if started.job_id is not None:
        job = await run_job_with_bar(runtime, started.job_id, "writing cards", started.requested)
        report_job(job)


@click.group()
def giftcards() -> None:
    """Gift-card batches: create, fill, open, export, look up; re-seal secrets."""


@giftcards.command("create-batch")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice([k.value for k in CardKind]), default="physical")
@click.option("--face-value", required=True, help="e.g. 100.00")
@click.option("--currency", default="CNY", show_default=True)
@click.option("--count", type=click.IntRange(1), help="Cards to generate.")
@click.option(
    "--numbers",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of given (vanity) numbers, one per line, instead of --count.",
)
@click.option("--starts-at", type=click.DateTime(), help="Validity start (UTC).")
@click.option("--ends-at", type=click.DateTime(), help="Validity end (UTC).")
@click.option("--days", type=click.IntRange(1), help="Valid N days from activation instead.")
@click.option("--owner", help="The responsible operator (default: --by).")
@click.option("--owner-phone", help="Where export codes go.")
@click.option("--card-maker", help="Who prints the cards (physical).")
@click.option("--remark", default="")
@click.option("--prefix", default="", help="Digits every generated number starts with.")
@click.option("--by", "actor", default="cli", show_default=True, help="Who asks (history).")
def create_batch(
    name: str,
    kind: str,
    face_value: str,
    currency: str,
    count: int | None,
    numbers: Path | None,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    days: int | None,
    owner: str | None,
    owner_phone: str | None,
    card_maker: str | None,
    remark: str,
    prefix: str,
    actor: str,
) -> None:
    """Create a batch and write its cards here, with a progress bar (GC-1). Memory stays flat
    whatever --count is; an interrupted run resumes with ``shop jobs run --job <job id>``."""
    try:
        value = Money.of(Decimal(face_value), currency)
    except (InvalidOperation, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint="--face-value") from exc
    utc = dt.UTC

    def zoned(moment: dt.datetime | None) -> dt.datetime | None:
        return moment.replace(tzinfo=utc) if moment is not None else None

    async def job(runtime: Runtime, services: GiftCardServices) -> None:
        definition = BatchDefinition(
            name=name,
            kind=CardKind(kind),
            face_value=value,
            validity=Validity(
                starts_at=zoned(starts_at), ends_at=zoned(ends_at), days_from_activation=days
            ),
            owner=owner or actor,
            owner_phone=owner_phone,
            card_maker=card_maker,
            remark=remark,
            number_prefix=prefix,
        )
        started: BatchStarted = await runtime.bus.handle(
            c.CreateBatch(
                definition=definition, actor=actor, count=count, numbers=_numbers(numbers)
            ),
            actor=_operator(actor, "*"),
        )
        await _fill(runtime, started)

    _run(job)


@giftcards.command("add-cards")
@click.argument("batch_id", type=click.UUID)
@click.option("--count", type=click.IntRange(1))
@click.option("--numbers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "actor", default="cli", show_default=True)
def add_cards(batch_id: uuid.UUID, count: int | None, numbers: Path | None, actor: str) -> None:
    """Add cards to an existing batch (GC-13), with a progress bar."""

    async def job(runtime: Runtime, services: GiftCardServices) -> None:
        started: BatchStarted = await runtime.bus.handle(
            c.AddCards(batch_id=batch_id, actor=actor, count=count, numbers=_numbers(numbers)),
            actor=_operator(actor, "*"),
        )
        await _fill(runtime, started)

    _run(job)


@giftcards.command("open")
@click.argument("batch_id", type=click.UUID)
@click.option("--by", "actor", default="cli", show_default=True)
def open_batch(batch_id: uuid.UUID, actor: str) -> None:
    """Open (or resume) a batch: its cards can then be sold, activated and spent (GC-3)."""

    async def job(runtime: Runtime, services: GiftCardServices) -> None:
        await runtime.bus.handle(
            c.OpenBatch(batch_id=batch_id, actor=actor, has_open_permission=True),
            actor=_operator(actor, "*"),
        )
        click.echo(f"batch {batch_id} is open")

    _run(job)


@giftcards.command("export")
@click.argument("batch_id", type=click.UUID)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="The .xlsx file to write.",
)
@click.option(
    "--cards",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of card ids, one per line (default: the whole batch).",
)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--by", "actor", default="cli", show_default=True)
def export(
    batch_id: uuid.UUID, output: Path, cards: Path | None, password: str, actor: str
) -> None:
    """Export a batch (or chosen cards) for the printer into a password-protected .xlsx
    (GC-12). A one-time code goes to the owner's phone first; type it when asked."""
    chosen = None
    if cards is not None:
        chosen = tuple(uuid.UUID(line) for line in _numbers(cards) or ())

    async def job(runtime: Runtime, services: GiftCardServices) -> None:
        principal = _operator(actor, c.EXPORT_PERMISSION)
        request = c.RequestExportCode(batch_id=batch_id, actor=actor)
        challenge: Challenge = await runtime.bus.handle(request, actor=principal)
        code = click.prompt(f"one-time code sent to {challenge.phone_masked}", hide_input=True)
        command = c.StartExport(
            batch_id=batch_id, actor=actor, password=password, card_ids=chosen, code=code
        )
        started: ExportStarted = await runtime.bus.handle(command, actor=principal)
        job_ = await run_job_with_bar(runtime, started.job_id, "exporting cards", 0)
        report_job(job_)
        source = services.exporter.path(started.export_id)
        shutil.copyfile(source, output)
        source.unlink()
        click.echo(f"wrote {output} (export {started.export_id})", err=True)

    _run(job)


@giftcards.command("lookup")
@click.argument("number")
def lookup(number: str) -> None:
    """Everything about one card, for customer service (GC-14)."""

    async def job(runtime: Runtime, services: GiftCardServices) -> None:
        found = await services.queries.lookup(number, runtime.clock.now())
        if found is None:
            raise click.ClickException("no such card")
        card = found.card
        console.print(
            f"card {card.number} ({card.id}) of batch {found.batch.name} [{found.batch.state}]\n"
            f"  state {card.state}, balance {card.balance} of {card.face_value}, "
            f"user {card.user_id or card.phone or '-'}"
        )
        for usage in found.usages:
            console.print(
                f"  usage {usage.created_at:%Y-%m-%d %H:%M} order {usage.order_id} "
                f"{usage.amount} ({usage.state}, restored {usage.restored})"
            )
        for op in found.operations:
            console.print(f"  {op.at:%Y-%m-%d %H:%M} {op.action} by {op.actor} {op.detail}")

    _run(job)


@giftcards.command("reseal")
@click.option("--by", "actor", default="cli", show_default=True, help="Who asks (job list).")
def reseal(actor: str) -> None:
    """Re-seal every card secret under the current key (the first of SHOP_GIFTCARD_KEYS or of
    the key file), with a progress bar, then say how many cards each key id still seals: a key
    that seals none can leave the ring. An interrupted run resumes with ``shop jobs run --job
    <job id>`` (or by running this again)."""

    async def job(runtime: Runtime, services: GiftCardServices) -> None:
        job_id = await runtime.bus.handle(c.ResealCards(actor=actor), actor=_operator(actor, "*"))
        click.echo(f"job {job_id}: re-sealing card secrets")
        done = await run_job_with_bar(runtime, job_id, "re-sealing cards", 0)
        report_job(done)
        result = dict(done.result or {})
        current = result.get("key_id")
        for key_id, count in sorted(dict(result.get("sealed_by") or {}).items()):
            if key_id == current:
                role = "the current key"
            elif count == 0:
                role = "seals nothing now: it may leave the ring"
            else:
                role = "still seals cards: run this again"
            console.print(f"  key {key_id}: {count} card(s), {role}")

    _run(job)


GIFTCARD_COMMANDS = ContextCommands("giftcards", commands=(giftcards,))
