"""The gift-card batch: its definition (GC-1), its life and the key (GC-3), adding cards and
editing (GC-13)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

import pytest
from tests.unit.giftcards.giftcard_builders import (
    BATCH_ID,
    CLERK,
    DAY,
    ENDS,
    HOUR,
    KEYHOLDER,
    NOW,
    OWNER,
    STARTS,
    cny,
    code_of,
    days_from_activation,
    definition,
    event_types,
    new_batch,
    window,
)

from shop_domain.giftcards import events as ev
from shop_domain.giftcards.batch import (
    BatchState,
    CardKind,
    CreationMode,
    GiftCardBatch,
    Validity,
)
from shop_domain.giftcards.errors import BatchStateConflict, InvalidBatch
from shop_domain.shared import BusinessRuleBroken, Money

LATER = NOW + HOUR

# --- the definition (GC-1) --------------------------------------------------------------------


@pytest.mark.rule("GC-1")
@pytest.mark.parametrize(
    "fields",
    [
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 101},
        {"remark": "r" * 501},
        {"face_value": cny("0")},
        {"face_value": cny("-1.00")},
        {"owner": ""},
        {"owner": "  "},
        {"kind": CardKind.VIRTUAL, "card_maker": "Printer Ltd"},
        {"number_prefix": "12a"},
        {"number_prefix": "123456789"},
        {"number_prefix": "0123"},
        {"owner_phone": "1234"},
        {"owner_phone": "1" * 21},
    ],
    ids=repr,
)
def test_an_invalid_definition_is_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidBatch) as refused:
        definition(**fields)
    assert refused.value.code == "giftcard.invalid_batch"


@pytest.mark.rule("GC-1")
@pytest.mark.parametrize(
    "fields",
    [
        {"name": "x" * 100},
        {"remark": "r" * 500},
        {"face_value": cny("0.01")},
        {"kind": CardKind.PHYSICAL, "card_maker": "Printer Ltd"},
        {"number_prefix": "88888888"},
        {"number_prefix": ""},
        {"owner_phone": "12345"},
        {"owner_phone": "1" * 20},
        {"validity": Validity()},
        {"validity": days_from_activation(3660)},
    ],
    ids=repr,
)
def test_a_valid_definition_is_accepted(fields: dict[str, Any]) -> None:
    made = definition(**fields)
    for name, value in fields.items():
        assert getattr(made, name) == value


@pytest.mark.rule("GC-1")
@pytest.mark.parametrize(
    "make",
    [
        lambda: Validity(starts_at=dt.datetime(2026, 3, 1)),
        lambda: Validity(ends_at=dt.datetime(2026, 3, 1)),
        lambda: Validity(starts_at=NOW, days_from_activation=3),
        lambda: Validity(ends_at=NOW, days_from_activation=3),
        lambda: Validity(days_from_activation=0),
        lambda: Validity(days_from_activation=3661),
        lambda: Validity(starts_at=NOW, ends_at=NOW),
        lambda: Validity(starts_at=NOW, ends_at=NOW - HOUR),
    ],
)
def test_an_invalid_validity_is_refused(make: Callable[[], Validity]) -> None:
    with pytest.raises(InvalidBatch):
        make()


@pytest.mark.rule("GC-1")
def test_a_validity_window_or_days_from_activation() -> None:
    fixed = window(STARTS, ENDS)
    assert not fixed.relative
    assert fixed.window(None) == fixed.window(NOW) == (STARTS, ENDS)
    relative = days_from_activation(7)
    assert relative.relative
    assert relative.window(None) == (None, None)
    assert relative.window(NOW) == (NOW, NOW + 7 * DAY)
    assert Validity().window(None) == (None, None)  # open at both ends


@pytest.mark.rule("GC-1")
def test_creating_a_batch_records_what_was_asked() -> None:
    made = definition(name="  Spring  ", kind=CardKind.PHYSICAL, card_maker="Printer Ltd")
    batch = GiftCardBatch.create(
        id=BATCH_ID,
        definition=made,
        mode=CreationMode.GIVEN,
        count=1_000_000,
        created_by=CLERK,
        now=NOW,
    )
    assert (batch.name, batch.kind, batch.mode, batch.state) == (
        "Spring",
        CardKind.PHYSICAL,
        CreationMode.GIVEN,
        BatchState.CREATED,
    )
    assert (batch.requested, batch.generated, batch.complete) == (1_000_000, 0, False)
    assert (batch.owner, batch.created_by, batch.card_maker) == (OWNER, CLERK, "Printer Ltd")
    [created] = batch.pull_events()
    assert isinstance(created, ev.BatchCreated)
    assert (created.batch_id, created.actor, created.name, created.count) == (
        BATCH_ID,
        CLERK,
        "Spring",
        1_000_000,
    )
    assert (created.kind, created.mode, created.owner) == ("physical", "given", OWNER)
    assert created.face_value == cny("100.00")


@pytest.mark.rule("GC-1")
@pytest.mark.parametrize("count", [0, -1])
def test_a_batch_holds_at_least_one_card(count: int) -> None:
    with pytest.raises(InvalidBatch):
        new_batch(count=count)


# --- life (GC-3) ------------------------------------------------------------------------------

Action = Callable[[GiftCardBatch], None]


def _open(actor: str, permission: bool = False) -> Action:
    return lambda b: b.open(actor=actor, has_open_permission=permission, now=LATER)


def _pause(actor: str) -> Action:
    return lambda b: b.pause(actor=actor, now=LATER)


def _discard(actor: str, permission: bool = False) -> Action:
    return lambda b: b.discard(actor=actor, has_open_permission=permission, now=LATER)


CR, OP, PA, DI = BatchState.CREATED, BatchState.OPENED, BatchState.PAUSED, BatchState.DISCARDED

ALLOWED = [
    # (from, action, to, event)
    (CR, "open by owner", _open(OWNER), OP, ev.BatchOpened),
    (CR, "open by keyholder", _open(KEYHOLDER, True), OP, ev.BatchOpened),
    (OP, "pause by owner", _pause(OWNER), PA, ev.BatchPaused),
    (OP, "pause by anyone", _pause(CLERK), PA, ev.BatchPaused),
    (PA, "resume by owner", _open(OWNER), OP, ev.BatchResumed),
    (PA, "resume by keyholder", _open(KEYHOLDER, True), OP, ev.BatchResumed),
    (CR, "discard by owner", _discard(OWNER), DI, ev.BatchDiscarded),
    (OP, "discard by keyholder", _discard(KEYHOLDER, True), DI, ev.BatchDiscarded),
    (PA, "discard by owner", _discard(OWNER), DI, ev.BatchDiscarded),
    (OP, "owner with the permission too", _discard(OWNER, True), DI, ev.BatchDiscarded),
]


@pytest.mark.rule("GC-3")
@pytest.mark.parametrize(
    ("start", "action", "end", "event"),
    [(s, a, e, v) for s, _, a, e, v in ALLOWED],
    ids=[f"{s}: {name}" for s, name, *_ in ALLOWED],
)
def test_every_allowed_transition(
    start: BatchState, action: Action, end: BatchState, event: type[ev.GiftCardEvent]
) -> None:
    batch = new_batch(state=start)
    action(batch)
    assert batch.state is end
    assert batch.updated_at == LATER
    assert batch.is_open is (end is BatchState.OPENED)
    [recorded] = batch.pull_events()
    assert type(recorded) is event
    assert recorded.batch_id == BATCH_ID
    assert recorded.occurred_at == LATER


REFUSED = [
    # (from, action, code): the key first, then the state
    (CR, "open without the key", _open(CLERK), "giftcard.key_required"),
    (PA, "resume without the key", _open(CLERK), "giftcard.key_required"),
    (OP, "discard without the key", _discard(CLERK), "giftcard.key_required"),
    (CR, "discard without the key", _discard(KEYHOLDER, False), "giftcard.key_required"),
    (DI, "open a discarded batch without the key", _open(CLERK), "giftcard.key_required"),
    (OP, "open an open batch", _open(OWNER), "giftcard.batch_state"),
    (DI, "open a discarded batch", _open(OWNER), "giftcard.batch_state"),
    (DI, "resume a discarded batch", _open(KEYHOLDER, True), "giftcard.batch_state"),
    (CR, "pause a created batch", _pause(OWNER), "giftcard.batch_state"),
    (PA, "pause a paused batch", _pause(OWNER), "giftcard.batch_state"),
    (DI, "pause a discarded batch", _pause(OWNER), "giftcard.batch_state"),
    (DI, "discard a discarded batch", _discard(OWNER), "giftcard.batch_state"),
]


@pytest.mark.rule("GC-3")
@pytest.mark.parametrize(
    ("start", "action", "code"),
    [(s, a, c) for s, _, a, c in REFUSED],
    ids=[f"{s}: {name}" for s, name, *_ in REFUSED],
)
def test_every_refused_transition_changes_nothing(
    start: BatchState, action: Action, code: str
) -> None:
    batch = new_batch(state=start)
    assert code_of(lambda: action(batch)) == code
    assert batch.state is start
    assert batch.updated_at == NOW
    assert batch.pending_events == ()


@pytest.mark.rule("GC-3")
def test_the_key_is_a_forbidden_refusal_and_the_state_a_conflict() -> None:
    batch = new_batch()
    with pytest.raises(BusinessRuleBroken) as no_key:
        batch.open(actor=CLERK, has_open_permission=False, now=LATER)
    assert no_key.value.kind == "forbidden"
    batch.open(actor=OWNER, has_open_permission=False, now=LATER)
    with pytest.raises(BatchStateConflict) as again:
        batch.open(actor=OWNER, has_open_permission=False, now=LATER)
    assert again.value.kind == "conflict"


@pytest.mark.rule("GC-3")
def test_a_batch_goes_round_pause_and_resume_until_discarded() -> None:
    batch = new_batch()
    batch.open(actor=OWNER, has_open_permission=False, now=NOW)
    for _ in range(3):
        batch.pause(actor=CLERK, now=NOW)
        batch.open(actor=KEYHOLDER, has_open_permission=True, now=NOW)
    batch.discard(actor=OWNER, has_open_permission=False, now=NOW)
    assert event_types(batch) == [
        "giftcards.batch_opened",
        *["giftcards.batch_paused", "giftcards.batch_resumed"] * 3,
        "giftcards.batch_discarded",
    ]
    for action in (_open(OWNER), _pause(OWNER), _discard(OWNER)):
        assert code_of(functools.partial(action, batch)) == "giftcard.batch_state"
    assert batch.state is BatchState.DISCARDED


# --- adding cards (GC-13) and generation ------------------------------------------------------


@pytest.mark.rule("GC-13")
@pytest.mark.parametrize("state", [CR, OP, PA])
def test_cards_can_be_added_to_a_batch_that_is_not_discarded(state: BatchState) -> None:
    batch = new_batch(state=state, count=3)
    batch.add_cards(5, actor=CLERK, now=LATER)
    assert (batch.requested, batch.generated, batch.state) == (8, 0, state)
    assert batch.updated_at == LATER
    [added] = batch.pull_events()
    assert isinstance(added, ev.CardsAdded)
    assert (added.count, added.requested, added.actor) == (5, 8, CLERK)


@pytest.mark.rule("GC-13")
def test_adding_cards_is_refused_for_no_cards_or_a_discarded_batch() -> None:
    batch = new_batch()
    assert code_of(lambda: batch.add_cards(0, actor=OWNER, now=LATER)) == "giftcard.invalid_batch"
    discarded = new_batch(state=DI)
    assert code_of(lambda: discarded.add_cards(1, actor=OWNER, now=LATER)) == (
        "giftcard.batch_state"
    )
    assert (batch.requested, discarded.requested) == (3, 3)
    assert batch.pending_events == discarded.pending_events == ()


@pytest.mark.rule("GC-1")
def test_given_numbers_written_at_once_announce_the_cards_once() -> None:
    batch = new_batch(count=3)
    batch.cards_written(2, now=NOW)
    assert batch.pending_events == ()  # not complete yet
    batch.cards_written(1, now=LATER)
    batch.cards_written(0, now=LATER)
    [generated] = batch.pull_events()
    assert isinstance(generated, ev.CardsGenerated)
    assert (generated.count, generated.actor) == (3, "system")
    assert (batch.generated, batch.announced, batch.complete) == (3, 3, True)


@pytest.mark.rule("GC-1")
@pytest.mark.parametrize("count", [-1, 4])
def test_a_batch_never_holds_more_cards_than_requested(count: int) -> None:
    batch = new_batch(count=3)
    assert code_of(lambda: batch.cards_written(count, now=NOW)) == "giftcard.invalid_batch"
    assert batch.generated == 0


@pytest.mark.rule("GC-1")
def test_confirm_generated_announces_once_per_completion() -> None:
    batch = new_batch(count=3)
    batch.confirm_generated(now=NOW)
    assert batch.pending_events == ()  # nothing written yet
    batch.generated = 3  # bulk storage moves the count, chunk by chunk
    batch.confirm_generated(now=LATER)
    batch.confirm_generated(now=LATER)
    [first] = batch.pull_events()
    assert isinstance(first, ev.CardsGenerated)
    assert first.count == 3
    assert batch.updated_at == LATER

    batch.add_cards(2, actor=OWNER, now=LATER)  # GC-13
    batch.pull_events()
    batch.confirm_generated(now=LATER)
    assert batch.pending_events == ()  # 3 of 5
    batch.generated = 5
    batch.confirm_generated(now=LATER)
    batch.confirm_generated(now=LATER)
    [second] = batch.pull_events()
    assert isinstance(second, ev.CardsGenerated)
    assert second.count == 5


# --- edits (GC-13) ----------------------------------------------------------------------------


def _edited(batch: GiftCardBatch) -> dict[str, Any]:
    [edited] = batch.pull_events()
    assert isinstance(edited, ev.BatchEdited)
    assert edited.actor == CLERK
    assert edited.occurred_at == LATER
    return edited.changes


@pytest.mark.rule("GC-13")
def test_editing_the_name_remark_and_end_records_each_change() -> None:
    batch = new_batch(remark="first run")
    new_end = ENDS + 10 * DAY
    batch.edit(actor=CLERK, now=LATER, name="  Summer  ", remark="second run", ends_at=new_end)
    assert (batch.name, batch.remark) == ("Summer", "second run")
    assert batch.validity == Validity(starts_at=STARTS, ends_at=new_end)
    assert batch.updated_at == LATER
    assert _edited(batch) == {
        "name": ["Spring gift cards", "Summer"],
        "remark": ["first run", "second run"],
        "ends_at": [ENDS, new_end],
    }


@pytest.mark.rule("GC-13")
@pytest.mark.parametrize(
    ("edit", "changes"),
    [
        ({"name": "Autumn"}, {"name": ["Spring gift cards", "Autumn"]}),
        ({"remark": "note"}, {"remark": ["", "note"]}),
        ({"ends_at": NOW + 2 * DAY}, {"ends_at": [ENDS, NOW + 2 * DAY]}),
        ({"name": "Spring gift cards", "remark": "note"}, {"remark": ["", "note"]}),
    ],
    ids=["name", "remark", "ends_at", "only what changed"],
)
def test_an_edit_records_only_what_changed(
    edit: dict[str, Any], changes: dict[str, list[object]]
) -> None:
    batch = new_batch(state=OP)
    batch.edit(actor=CLERK, now=LATER, **edit)
    assert _edited(batch) == changes


@pytest.mark.rule("GC-13")
@pytest.mark.parametrize(
    "edit",
    [
        {},
        {"name": "Spring gift cards"},
        {"name": "  Spring gift cards "},
        {"remark": ""},
        {"ends_at": ENDS},
        {"name": "Spring gift cards", "remark": "", "ends_at": ENDS},
    ],
    ids=repr,
)
def test_an_edit_that_changes_nothing_records_nothing(edit: dict[str, Any]) -> None:
    batch = new_batch()
    batch.edit(actor=CLERK, now=LATER, **edit)
    assert batch.pending_events == ()
    assert batch.updated_at == NOW
    assert (batch.name, batch.remark, batch.validity) == ("Spring gift cards", "", window())


@pytest.mark.rule("GC-13")
@pytest.mark.parametrize(
    ("edit", "code"),
    [
        ({"name": " "}, "giftcard.invalid_batch"),
        ({"name": "x" * 101}, "giftcard.invalid_batch"),
        ({"name": "ok", "remark": "r" * 501}, "giftcard.invalid_batch"),
        ({"name": "ok", "ends_at": STARTS}, "giftcard.invalid_batch"),
        ({"remark": "ok", "ends_at": STARTS - DAY}, "giftcard.invalid_batch"),
        ({"name": "ok", "ends_at": dt.datetime(2027, 1, 1)}, "giftcard.invalid_batch"),
    ],
    ids=["blank name", "long name", "long remark", "end at start", "end before start", "naive"],
)
def test_a_refused_edit_changes_nothing(edit: dict[str, Any], code: str) -> None:
    batch = new_batch()
    assert code_of(lambda: batch.edit(actor=CLERK, now=LATER, **edit)) == code
    assert (batch.name, batch.remark, batch.validity) == ("Spring gift cards", "", window())
    assert batch.pending_events == ()


@pytest.mark.rule("GC-13")
def test_a_batch_valid_from_activation_has_no_end_to_edit() -> None:
    batch = new_batch(validity=days_from_activation(30))
    with pytest.raises(InvalidBatch):
        batch.edit(actor=CLERK, now=LATER, ends_at=ENDS)
    assert batch.validity == days_from_activation(30)
    batch.edit(actor=CLERK, now=LATER, name="Renamed")  # the rest can still be edited
    assert _edited(batch) == {"name": ["Spring gift cards", "Renamed"]}


@pytest.mark.rule("GC-13")
def test_an_open_ended_window_can_be_given_an_end() -> None:
    batch = new_batch(validity=Validity(starts_at=STARTS))
    batch.edit(actor=CLERK, now=LATER, ends_at=ENDS)
    assert batch.validity == window(STARTS, ENDS)
    assert _edited(batch) == {"ends_at": [None, ENDS]}


@pytest.mark.rule("GC-13")
def test_a_discarded_batch_cannot_be_edited() -> None:
    batch = new_batch(state=DI)
    assert code_of(lambda: batch.edit(actor=OWNER, now=LATER, name="x")) == "giftcard.batch_state"
    assert batch.name == "Spring gift cards"


@pytest.mark.rule("GC-13")
def test_the_history_event_of_an_edit_serialises_its_changes() -> None:
    batch = new_batch()
    batch.edit(actor=CLERK, now=LATER, ends_at=ENDS + DAY)
    [edited] = batch.pull_events()
    assert edited.payload()["changes"] == {"ends_at": [ENDS.isoformat(), (ENDS + DAY).isoformat()]}


@pytest.mark.rule("GC-10")
def test_an_export_is_recorded_in_the_batch_history() -> None:
    batch = new_batch(state=OP)
    export_id = BATCH_ID  # any id
    batch.exported(export_id=export_id, cards=3, whole_batch=True, actor=CLERK, now=LATER)
    [exported] = batch.pull_events()
    assert isinstance(exported, ev.BatchExported)
    assert (exported.export_id, exported.cards, exported.whole_batch) == (export_id, 3, True)


def test_money_of_another_currency_is_a_valid_face_value() -> None:
    made = definition(face_value=Money(500, "JPY"))
    assert new_batch(made).face_value == Money(500, "JPY")
