"""The gift-card back office: batches (``/giftcards/batches``). Cards and records are in
:mod:`.admin_cards`, sales and payments in :mod:`.admin_tender`, exports in :mod:`.admin_exports`.

Permissions (SEC-1), each also needing an operator token (a customer holding the permission is
still refused):

- ``giftcards.read``: batches, cards, history, activation and usage records, exports' state;
- ``giftcards.manage``: create batches and add cards (GC-1, GC-13), edit them, open, pause,
  resume and discard them (GC-3), discard cards (GC-4);
- ``giftcards.open``: the "key" — open, resume or discard *any* batch; without it only the
  batch's owner may (GC-3: 403 ``giftcard.key_required``);
- ``giftcards.secrets``: see one card's secret per request (GC-11);
- ``giftcards.export``: export cards for printing (GC-12);
- ``giftcards.activate``: bind a card to a user or phone by hand (GC-5);
- ``giftcards.lookup``: everything about a card by its number, for customer service (GC-14);
- ``giftcards.sell``: assign virtual cards to a buyer (GC-6);
- ``giftcards.tender``: pay orders with cards and give the money back (GC-7, GC-8).

Changes are commands on the bus, audited as the caller (SEC-2); the operation history (GC-10)
is written with them. Commands honour ``Idempotency-Key`` (SEC-5), except revealing a secret,
which is never stored as an outcome. Generating cards is a job: creating a batch (or adding
cards) with a ``count`` answers 202 with the job's id; given numbers are written at once (201).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Final

from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from shop_adapters.http.app import Commands
from shop_adapters.http.auth import operator_only, requires
from shop_adapters.http.giftcards.customer import window
from shop_adapters.http.giftcards.requests import (
    AddCardsIn,
    BatchEditIn,
    BatchIn,
)
from shop_adapters.http.giftcards.responses import (
    BatchOut,
    BatchStartedOut,
    CardOut,
    CardStateFilter,
    OperationOut,
)
from shop_adapters.http.problems import LOCATION, HttpProblem, problem_spec
from shop_adapters.http.schemas import FieldError, Page, Pagination
from shop_adapters.runtime import Runtime
from shop_app.giftcards import commands as c
from shop_app.giftcards.exports import EXPORT_PERMISSION
from shop_app.giftcards.results import BatchStarted
from shop_app.giftcards.services import GiftCardServices
from shop_domain.giftcards.batch import BatchState
from shop_domain.giftcards.card import SalesState
from shop_domain.giftcards.errors import BatchNotFound

READ: Final = "giftcards.read"
MANAGE: Final = "giftcards.manage"
OPEN: Final = "giftcards.open"
SECRETS: Final = "giftcards.secrets"
EXPORT: Final = EXPORT_PERMISSION
ACTIVATE: Final = "giftcards.activate"
LOOKUP: Final = "giftcards.lookup"
SELL: Final = "giftcards.sell"
TENDER: Final = "giftcards.tender"
PERMISSIONS: Final = (READ, MANAGE, OPEN, SECRETS, EXPORT, ACTIVATE, LOOKUP, SELL, TENDER)

# the permission first: a customer (who holds none) gets 403 `auth.permission_required` too
READ_GUARDS: Final = [requires(READ), operator_only]
MANAGE_GUARDS: Final = [requires(MANAGE), operator_only]
SECRETS_GUARDS: Final = [requires(SECRETS), operator_only]
EXPORT_GUARDS: Final = [requires(EXPORT), operator_only]
ACTIVATE_GUARDS: Final = [requires(ACTIVATE), operator_only]
LOOKUP_GUARDS: Final = [requires(LOOKUP), operator_only]
SELL_GUARDS: Final = [requires(SELL), operator_only]
TENDER_GUARDS: Final = [requires(TENDER), operator_only]

BATCH_NOT_FOUND: Final = problem_spec("No such batch (`giftcard.batch_not_found`)")
BATCH_STATE: Final = problem_spec("The batch's state does not allow this (`giftcard.batch_state`)")
KEY_REQUIRED: Final = problem_spec(
    "Only the batch's owner or a holder of `giftcards.open` may do this (`giftcard.key_required`)"
)
ACCEPTED: Final = ResponseSpec(
    data_container=BatchStartedOut,
    description="A job generates the cards: `job_id` names it (`GET /jobs/{job_id}`)",
)
INVALID_BATCH: Final = problem_spec(
    "The definition breaks a rule (`giftcard.invalid_batch`, `giftcard.number_invalid`, "
    "`giftcard.number_repeated`, `giftcard.number_taken`, `money.*`)"
)


def bad_request(field: str, message: str, source: str = "body") -> HttpProblem:
    """400 ``request.invalid`` naming one field."""
    return HttpProblem(
        400,
        "request.invalid",
        "the request is not valid",
        errors=[FieldError(field=field, message=message, source=source)],
    )


def one_of_count_or_numbers(count: int | None, numbers: list[str] | None) -> None:
    if (count is None) == (numbers is None):
        raise bad_request("count", "give exactly one of `count` or `numbers`")


async def batch_out(runtime: Runtime, batch_id: uuid.UUID) -> BatchOut:
    view = await runtime.get(GiftCardServices).queries.batch(batch_id)
    if view is None:
        raise BatchNotFound(batch_id)
    return BatchOut.of(view)


async def _started(runtime: Runtime, result: BatchStarted) -> Response[BatchStartedOut]:
    """201 when the cards were written at once, 202 when a job writes them."""
    batch = await batch_out(runtime, result.batch_id)
    body = BatchStartedOut(
        batch_id=result.batch_id, requested=result.requested, job_id=result.job_id, batch=batch
    )
    return Response(
        body,
        status_code=201 if result.job_id is None else 202,
        headers={"Location": f"/giftcards/batches/{result.batch_id}"},
    )


async def _change(
    runtime: Runtime, commands: Commands, batch_id: uuid.UUID, command: object
) -> BatchOut:
    """Run a command on one batch and answer with the batch as it now is."""
    await commands.send(command)
    return await batch_out(runtime, batch_id)


class GiftCardBatchController(Controller):
    """Gift-card batches (GC-1, GC-3, GC-10, GC-13)."""

    path = "/giftcards/batches"
    tags = ["gift cards admin"]

    @post(
        "/",
        guards=MANAGE_GUARDS,
        summary="Create a batch of cards (GC-1)",
        description="With `count`, the cards are generated by a job: 202 with the job's id "
        "(progress at `GET /jobs/{job_id}` and in the batch's `generated`). With `numbers` "
        "(chosen numbers), they are written at once: 201. The batch starts `created`; it must "
        "be opened before any card is sold, activated or spent.",
        status_code=201,
        response_headers=LOCATION,
        responses={202: ACCEPTED, 422: INVALID_BATCH},
    )
    async def create_batch(
        self,
        data: JSONBody[BatchIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> Response[BatchStartedOut]:
        one_of_count_or_numbers(data.count, data.numbers)
        command = c.CreateBatch(
            definition=data.definition(commands.principal.subject),
            actor=commands.principal.subject,
            count=data.count,
            numbers=None if data.numbers is None else tuple(data.numbers),
        )
        result: BatchStarted = await commands.send(command)
        return await _started(runtime, result)

    @get("/", guards=READ_GUARDS, summary="Batches, newest first")
    async def batches(
        self,
        runtime: NamedDependency[Runtime],
        pagination: NamedDependency[Pagination],
        state_filter: Annotated[
            BatchState | None,
            QueryParameter(name="state", description="Only batches in this state"),
        ] = None,
    ) -> Page[BatchOut]:
        queries = runtime.get(GiftCardServices).queries
        items, total = await window(
            lambda request: queries.batches(request, state=state_filter), pagination
        )
        return Page.of([BatchOut.of(view) for view in items], total, pagination)

    @get(
        "/{batch_id:uuid}",
        guards=READ_GUARDS,
        summary="A batch, with its cards counted by state",
        responses={404: BATCH_NOT_FOUND},
    )
    async def batch(
        self, batch_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> BatchOut:
        return await batch_out(runtime, batch_id)

    @patch(
        "/{batch_id:uuid}",
        guards=MANAGE_GUARDS,
        summary="Edit a batch's name, remark or validity end (GC-13)",
        description="Fields left out stay as they are; an edit that changes nothing records "
        "nothing. Each change is in the batch's history with its old and new value.",
        responses={404: BATCH_NOT_FOUND, 409: BATCH_STATE, 422: INVALID_BATCH},
    )
    async def edit_batch(
        self,
        batch_id: FromPath[uuid.UUID],
        data: JSONBody[BatchEditIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> BatchOut:
        if data.name is None and data.remark is None and data.ends_at is None:
            raise bad_request("", "give at least one of `name`, `remark`, `ends_at`")
        command = c.EditBatch(
            batch_id=batch_id,
            actor=commands.principal.subject,
            name=data.name,
            remark=data.remark,
            ends_at=data.ends_at,
        )
        return await _change(runtime, commands, batch_id, command)

    @post(
        "/{batch_id:uuid}/cards",
        guards=MANAGE_GUARDS,
        summary="Add cards to a batch (GC-13)",
        description="`count` more generated cards (202, a job writes them) or the given "
        "`numbers` (201, written at once).",
        status_code=201,
        response_headers=LOCATION,
        responses={202: ACCEPTED, 404: BATCH_NOT_FOUND, 409: BATCH_STATE, 422: INVALID_BATCH},
    )
    async def add_cards(
        self,
        batch_id: FromPath[uuid.UUID],
        data: JSONBody[AddCardsIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> Response[BatchStartedOut]:
        one_of_count_or_numbers(data.count, data.numbers)
        command = c.AddCards(
            batch_id=batch_id,
            actor=commands.principal.subject,
            count=data.count,
            numbers=None if data.numbers is None else tuple(data.numbers),
        )
        result: BatchStarted = await commands.send(command)
        return await _started(runtime, result)

    # --- life (GC-3) --------------------------------------------------------------------------

    @post(
        "/{batch_id:uuid}/open",
        guards=MANAGE_GUARDS,
        summary="Open a batch (needs the key, GC-3)",
        description="The batch's owner, or a holder of `giftcards.open`, opens a created batch "
        "(or resumes a paused one).",
        status_code=200,
        responses={404: BATCH_NOT_FOUND, 403: KEY_REQUIRED, 409: BATCH_STATE},
    )
    async def open_batch(
        self,
        batch_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> BatchOut:
        return await _change(runtime, commands, batch_id, _open(batch_id, commands))

    @post(
        "/{batch_id:uuid}/resume",
        guards=MANAGE_GUARDS,
        summary="Resume a paused batch (needs the key, GC-3)",
        status_code=200,
        responses={404: BATCH_NOT_FOUND, 403: KEY_REQUIRED, 409: BATCH_STATE},
    )
    async def resume_batch(
        self,
        batch_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> BatchOut:
        return await _change(runtime, commands, batch_id, _open(batch_id, commands))

    @post(
        "/{batch_id:uuid}/pause",
        guards=MANAGE_GUARDS,
        summary="Pause an open batch: its cards cannot be sold, activated or spent (GC-3)",
        status_code=200,
        responses={404: BATCH_NOT_FOUND, 409: BATCH_STATE},
    )
    async def pause_batch(
        self,
        batch_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> BatchOut:
        command = c.PauseBatch(batch_id=batch_id, actor=commands.principal.subject)
        return await _change(runtime, commands, batch_id, command)

    @post(
        "/{batch_id:uuid}/discard",
        guards=MANAGE_GUARDS,
        summary="Discard a batch for good (needs the key, GC-3)",
        status_code=200,
        responses={404: BATCH_NOT_FOUND, 403: KEY_REQUIRED, 409: BATCH_STATE},
    )
    async def discard_batch(
        self,
        batch_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> BatchOut:
        command = c.DiscardBatch(
            batch_id=batch_id,
            actor=commands.principal.subject,
            has_open_permission=commands.principal.has(OPEN),
        )
        return await _change(runtime, commands, batch_id, command)

    # --- cards and history --------------------------------------------------------------------

    @get(
        "/{batch_id:uuid}/cards",
        guards=READ_GUARDS,
        summary="A batch's cards, by number (never their secrets)",
        description="`state` filters on the effective state (`expired` once the validity has "
        "ended), `sales_state` on `not_for_sale`, `unsold` or `sold`.",
        responses={404: BATCH_NOT_FOUND},
    )
    async def cards(
        self,
        batch_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        pagination: NamedDependency[Pagination],
        state_filter: Annotated[
            CardStateFilter | None,
            QueryParameter(name="state", description="Only cards in this (effective) state"),
        ] = None,
        sales_state: Annotated[
            SalesState | None, QueryParameter(description="Only cards in this sales state")
        ] = None,
    ) -> Page[CardOut]:
        await batch_out(runtime, batch_id)
        queries = runtime.get(GiftCardServices).queries
        now = runtime.clock.now()
        state = None if state_filter is None else state_filter.value
        sales = None if sales_state is None else sales_state.value
        items, total = await window(
            lambda request: queries.cards(batch_id, request, now, state=state, sales_state=sales),
            pagination,
        )
        return Page.of([CardOut.of(view) for view in items], total, pagination)

    @get(
        "/{batch_id:uuid}/history",
        guards=READ_GUARDS,
        summary="A batch's operation history, its cards' included, oldest first (GC-10)",
        responses={404: BATCH_NOT_FOUND},
    )
    async def history(
        self,
        batch_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        pagination: NamedDependency[Pagination],
    ) -> Page[OperationOut]:
        await batch_out(runtime, batch_id)
        queries = runtime.get(GiftCardServices).queries
        items, total = await window(
            lambda request: queries.history(request, batch_id=batch_id), pagination
        )
        return Page.of([OperationOut.of(view) for view in items], total, pagination)


def _open(batch_id: uuid.UUID, commands: Commands) -> c.OpenBatch:
    return c.OpenBatch(
        batch_id=batch_id,
        actor=commands.principal.subject,
        has_open_permission=commands.principal.has(OPEN),
    )


__all__ = [
    "ACTIVATE",
    "EXPORT",
    "LOOKUP",
    "MANAGE",
    "OPEN",
    "PERMISSIONS",
    "READ",
    "SECRETS",
    "SELL",
    "TENDER",
    "GiftCardBatchController",
    "bad_request",
    "batch_out",
]
