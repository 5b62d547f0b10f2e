"""A customer's address book: regions that nest, the canonical phone, exactly one default,
at most 20 addresses; nothing changes on bad input."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from shop_domain.ordering.address import MAX_ADDRESSES, AddressBook, AddressFields, Region
from shop_domain.shared.errors import DomainError

NOW = dt.datetime(2026, 12, 6, 8, tzinfo=dt.UTC)


def fields(**overrides: object) -> AddressFields:
    given: dict[str, object] = {
        "recipient": "Li Lei",
        "phone": "138 0013 1234",
        "province": "310000",
        "city": "310100",
        "district": "310104",
        "detail": "88 Caoxi Road",
        "postcode": "200030",
        **overrides,
    }
    return AddressFields.of(**given)  # type: ignore[arg-type]


def test_fields_are_made_canonical_and_the_phone_never_shows_in_a_repr() -> None:
    made = fields(recipient="  Li Lei ")
    assert (made.recipient, made.phone) == ("Li Lei", "+8613800131234")
    assert "1234" not in repr(made)
    assert made.region == Region("310000", "310100", "310104")


@pytest.mark.parametrize(
    ("province", "city", "district", "field"),
    [
        ("310100", "310100", "310104", "province"),
        ("000000", "000100", "000101", "province"),
        ("310000", "320100", "320102", "city"),
        ("310000", "310000", "310001", "city"),
        ("310000", "310101", "310101", "city"),
        ("310000", "310100", "310200", "district"),
        ("310000", "310100", "310100", "district"),
        ("310000", "310100", "31010", "district"),
    ],
)
def test_regions_must_nest(province: str, city: str, district: str, field: str) -> None:
    with pytest.raises(DomainError) as refusal:
        fields(province=province, city=city, district=district)
    assert (refusal.value.code, refusal.value.details["field"]) == ("address.invalid", field)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"recipient": " "}, "address.invalid"),
        ({"recipient": "x" * 51}, "address.invalid"),
        ({"detail": ""}, "address.invalid"),
        ({"postcode": "2000"}, "address.invalid"),
        ({"phone": "call me"}, "phone.invalid"),
        ({"phone": "12"}, "phone.invalid"),
    ],
)
def test_bad_fields_are_refused(overrides: dict[str, object], code: str) -> None:
    with pytest.raises(DomainError) as refusal:
        fields(**overrides)
    assert refusal.value.code == code


def test_exactly_one_default_whenever_there_is_any() -> None:
    book = AddressBook.new(id=uuid.uuid4(), user_id=uuid.uuid4())
    first = book.add(uuid.uuid4(), fields(), NOW)
    assert first.is_default
    second = book.add(uuid.uuid4(), fields(), NOW + dt.timedelta(minutes=1))
    third = book.add(uuid.uuid4(), fields(), NOW + dt.timedelta(minutes=2), make_default=True)
    assert [a.id for a in book.addresses.values() if a.is_default] == [third.id]
    book.remove(third.id, NOW)
    assert book.default is second  # the newest of the rest
    book.make_default(first.id, NOW)
    assert [a.id for a in book.in_order()] == [first.id, second.id]
    book.remove(second.id, NOW)
    book.remove(first.id, NOW)
    assert book.default is None
    assert book.addresses == {}


def test_a_book_holds_at_most_twenty() -> None:
    book = AddressBook.new(id=uuid.uuid4(), user_id=uuid.uuid4())
    for _ in range(MAX_ADDRESSES):
        book.add(uuid.uuid4(), fields(), NOW)
    with pytest.raises(DomainError) as refusal:
        book.add(uuid.uuid4(), fields(), NOW)
    assert refusal.value.code == "address.book_full"
    assert len(book.addresses) == MAX_ADDRESSES
    with pytest.raises(DomainError) as missing:
        book.remove(uuid.uuid4(), NOW)
    assert missing.value.code == "address.not_found"
