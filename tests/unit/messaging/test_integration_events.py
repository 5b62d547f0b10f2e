"""Integration events: every domain event is mapped or internal, every published (type, version)
keeps its schema, the documents in ``docs/`` are current, and payloads survive the wire."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
import typing
import uuid
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shop_domain
from shop_adapters.messaging.asyncapi import DOCUMENT_FILE, LOCK_FILE, document, render, write_docs
from shop_adapters.messaging.contract import (
    UndecodablePayload,
    check_lock,
    decode_payload,
    event_schema,
    lock_of,
    schema_hash,
)
from shop_app.shared.integration import (
    REGISTRY,
    Amount,
    IntegrationEvent,
    IntegrationRegistry,
    RegistryConflict,
    UnmappedEvent,
    load_contexts,
    payload_of,
)
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.events import DomainEvent
from shop_testing.strategies import money

DOCS = Path(__file__).resolve().parents[3] / "docs"
CONTEXTS = ("catalog", "coupons", "fulfillment", "giftcards", "loyalty", "ordering", "pricing")
load_contexts()
PUBLISHED = REGISTRY.events()


def _domain_events() -> list[type[DomainEvent]]:
    """Every concrete domain event class of the contexts (one that names its own type)."""
    for module in pkgutil.walk_packages(shop_domain.__path__, "shop_domain."):
        importlib.import_module(module.name)
    found: list[type[DomainEvent]] = []
    stack = list(DomainEvent.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.split(".")[:2][-1] in CONTEXTS and "event_type" in vars(cls):
            found.append(cls)
    return sorted(set(found), key=lambda c: c.event_type)


def _aggregates() -> list[type[Aggregate]]:
    _domain_events()  # imports the domain
    found, stack = [], list(Aggregate.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        # attrs classes of their own: a base that only lends behaviour (catalog's
        # ProductListing, which declares no fields) is never built
        if cls.__module__.split(".")[1] in CONTEXTS and "__attrs_attrs__" in cls.__dict__:
            found.append(cls)
    return found


def test_every_context_is_found() -> None:
    assert load_contexts() == list(CONTEXTS)
    assert len(_domain_events()) >= 50  # the enumeration below really walks the domain
    assert len(PUBLISHED) == len(_domain_events()) - 5  # one each, but the internal ones


def test_every_domain_event_is_mapped_or_marked_internal() -> None:
    uncovered = [cls.event_type for cls in _domain_events() if not REGISTRY.is_covered(cls)]
    assert uncovered == [], "map these in shop_app/<context>/integration.py or mark them internal"


def test_internal_events_are_the_chosen_few() -> None:
    internal = sorted(cls.event_type for cls in _domain_events() if REGISTRY.is_internal(cls))
    assert internal == [
        "catalog.product_listing_skipped",
        "catalog.product_sales_recorded",
        "coupons.codes_reserved",
        "giftcards.batch_exported",
        "giftcards.secret_viewed",  # GC-11: who looked at a secret is audit, not a fact to share
    ]


def test_every_aggregate_has_a_stable_name() -> None:
    names = {cls.__name__: REGISTRY.aggregate_name(object.__new__(cls)) for cls in _aggregates()}
    assert names["GiftCard"] == "giftcards.card"
    assert names["Product"] == "catalog.product"
    assert len(set(names.values())) == len(names)
    assert all(name.split(".")[0] in CONTEXTS for name in names.values())


def test_event_names_follow_their_context() -> None:
    for cls in REGISTRY.events():
        context = cls.__module__.split(".")[1]
        assert cls.type.startswith(f"{context}."), cls
        assert "payload" not in {f.name for f in attrs.fields(cls)}


# --- the lock: a published (type, version) never changes ------------------------------------


def test_no_published_event_changed_without_a_new_version() -> None:
    committed = json.loads((DOCS / LOCK_FILE).read_text())
    verdict = check_lock(lock_of(REGISTRY.events()), committed)
    assert verdict.changed == (), (
        f"{verdict.changed}: these published events changed their schema; give them a new "
        "version instead (a new class with version + 1)"
    )
    assert verdict.added == (), f"{verdict.added}: new events; run `shop events docs`"
    assert verdict.removed == (), f"{verdict.removed}: gone from the code; run `shop events docs`"


def test_the_committed_asyncapi_document_is_current() -> None:
    assert (DOCS / DOCUMENT_FILE).read_text() == render(document()), "run `shop events docs`"


@attrs.frozen(kw_only=True)
class _Spent(IntegrationEvent):
    type: ClassVar[str] = "test.spent"
    version: ClassVar[int] = 1
    card_id: uuid.UUID
    amount: Amount


@attrs.frozen(kw_only=True)
class _SpentRenamed(IntegrationEvent):  # a field renamed: a breaking change
    type: ClassVar[str] = "test.spent"
    version: ClassVar[int] = 1
    card: uuid.UUID
    amount: Amount


@attrs.frozen(kw_only=True)
class _SpentReworded(IntegrationEvent):
    """Only the prose differs: the same contract."""

    type: ClassVar[str] = "test.spent"
    version: ClassVar[int] = 1
    card_id: uuid.UUID
    amount: Amount


def test_the_hash_sees_fields_and_types_not_prose_or_class_names() -> None:
    assert schema_hash(_Spent) == schema_hash(_SpentReworded)
    assert schema_hash(_Spent) != schema_hash(_SpentRenamed)
    verdict = check_lock(lock_of([_SpentRenamed]), lock_of([_Spent]))
    assert verdict.changed == ("test.spent v1",)
    assert not verdict.clean


def test_writing_the_docs_refuses_to_change_a_published_version(tmp_path: Path) -> None:
    registry = IntegrationRegistry()
    registry.event(_Spent)
    first = write_docs(tmp_path, registry=registry)
    assert set(first.written) == {str(tmp_path / DOCUMENT_FILE), str(tmp_path / LOCK_FILE)}
    assert write_docs(tmp_path, check=True, registry=registry).stale == ()

    changed = IntegrationRegistry()
    changed.event(_SpentRenamed)
    report = write_docs(tmp_path, registry=changed)
    assert report.refused == ("test.spent v1",)
    assert json.loads((tmp_path / LOCK_FILE).read_text()) == lock_of([_Spent])  # kept


# --- payloads on the wire -----------------------------------------------------------------------


def _fields(cls: type[IntegrationEvent]) -> dict[str, Any]:
    return {f.name: f.type for f in attrs.fields(cls)}


_aware = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
)
st.register_type_strategy(dt.datetime, _aware)
st.register_type_strategy(Amount, money(min_minor=-(10**12), max_minor=10**12).map(Amount.of))


@pytest.mark.parametrize("cls", PUBLISHED, ids=lambda c: f"{c.type}.v{c.version}")
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_event_survives_the_outbox_and_the_wire(
    cls: type[IntegrationEvent], data: st.DataObject
) -> None:
    hints = typing.get_type_hints(cls)
    fields = {f.name: st.from_type(hints[f.name]) for f in attrs.fields(cls)}
    event = data.draw(st.builds(cls, **fields))
    payload = json.loads(json.dumps(payload_of(event)))  # as stored, as received
    assert decode_payload(cls, payload) == event


@pytest.mark.parametrize("cls", PUBLISHED, ids=lambda c: f"{c.type}.v{c.version}")
def test_every_schema_is_explicit(cls: type[IntegrationEvent]) -> None:
    schema = event_schema(cls)
    text = json.dumps(schema)
    assert "$ref" not in text
    assert cls.__name__ not in text  # no Python class names
    assert schema["title"] == cls.type
    assert set(schema["properties"]) == set(_fields(cls)) == set(schema["required"])


def test_money_is_minor_units_and_a_currency() -> None:
    from shop_app.giftcards.integration import CardSpentV1

    amount = event_schema(CardSpentV1)["properties"]["amount"]
    assert amount["properties"] == {"minor": {"type": "integer"}, "currency": {"type": "string"}}
    assert event_schema(CardSpentV1)["properties"]["card_id"]["format"] == "uuid"


def test_a_payload_that_breaks_the_schema_is_refused() -> None:
    good = payload_of(_Spent(card_id=uuid.uuid4(), amount=Amount(minor=5, currency="CNY")))
    with pytest.raises(UndecodablePayload, match="card_id"):
        decode_payload(_Spent, {**good, "card_id": "not a uuid"})
    with pytest.raises(UndecodablePayload, match="amount"):
        decode_payload(_Spent, {**good, "amount": {"minor": "5", "currency": "CNY"}})
    with pytest.raises(UndecodablePayload):
        decode_payload(_Spent, {"amount": good["amount"]})


# --- the registry -----------------------------------------------------------------------------


def test_the_registry_refuses_ambiguity() -> None:
    registry = IntegrationRegistry()
    registry.event(_Spent)
    with pytest.raises(RegistryConflict, match="twice"):
        registry.event(_SpentRenamed)

    @attrs.frozen(kw_only=True)
    class Unnamed(IntegrationEvent):
        type: ClassVar[str] = "NotDotted"
        version: ClassVar[int] = 1

    with pytest.raises(RegistryConflict, match="type"):
        registry.event(Unnamed)

    @attrs.frozen(kw_only=True)
    class Happened(DomainEvent):
        event_type: ClassVar[str] = "test.happened"

    registry.internal(Happened)
    with pytest.raises(RegistryConflict, match="mapped twice"):
        registry.internal(Happened)


def test_an_unmapped_domain_event_is_an_error_not_a_wire_format() -> None:
    @attrs.frozen(kw_only=True)
    class Forgotten(DomainEvent):
        event_type: ClassVar[str] = "test.forgotten"

    with pytest.raises(UnmappedEvent, match=r"test\.forgotten"):
        IntegrationRegistry().to_integration(Forgotten(occurred_at=dt.datetime.now(dt.UTC)))
