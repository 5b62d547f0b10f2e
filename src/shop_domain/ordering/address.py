"""A customer's delivery addresses.

An :class:`AddressBook` per user holds their addresses (at most ``MAX_ADDRESSES``), exactly one
of them the default whenever there is any: the first address is the default; making another
the default takes it from the one that had it; when the default is removed, the most recently
added of the rest takes it.

An :class:`Address` is a recipient, a phone number (kept in the canonical form of
:mod:`shop_domain.shared.phones` — personal data: it is shown masked, never logged, and is in
no event), a region as three six-digit codes that nest — a province ``XX0000``, a city
``XXXX00`` of that province, a district ``XXXXXX`` of that city (the national administrative
division codes, GB/T 2260) — a detail line and an optional six-digit postcode.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Final

import attrs

from shop_domain.ordering.cart_errors import (
    AddressBookFull,
    AddressNotFound,
    InvalidAddress,
)
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.phones import InvalidPhoneNumber, mask_phone, normalize_phone

MAX_ADDRESSES: Final = 20
RECIPIENT_MAX: Final = 50
DETAIL_MAX: Final = 200
_CODE = re.compile(r"[0-9]{6}")
_POSTCODE = re.compile(r"[0-9]{6}")


def _text(value: object, field: str, most: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not 0 < len(text) <= most or not text.isprintable():
        raise InvalidAddress(
            f"{field} is 1 to {most} printable characters", details={"field": field}
        )
    return text


def _code(value: object, field: str) -> str:
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        raise InvalidAddress(f"{field} is a six-digit region code", details={"field": field})
    return value


@attrs.frozen
class Region:
    """Province, city and district codes that nest (checked by :meth:`of`)."""

    province: str
    city: str
    district: str

    @classmethod
    def of(cls, province: object, city: object, district: object) -> Region:
        p = _code(province, "province")
        c = _code(city, "city")
        d = _code(district, "district")
        if p[:2] == "00" or p[2:] != "0000":
            raise InvalidAddress("a province code is XX0000", details={"field": "province"})
        if c[:2] != p[:2] or c[2:4] == "00" or c[4:] != "00":
            raise InvalidAddress(
                "a city code is XXXX00 within its province", details={"field": "city"}
            )
        if d[:4] != c[:4] or d[4:] == "00":
            raise InvalidAddress(
                "a district code is XXXXXX within its city", details={"field": "district"}
            )
        return cls(p, c, d)


@attrs.frozen(kw_only=True)
class AddressFields:
    """What a customer enters for an address, checked and made canonical by :meth:`of`."""

    recipient: str
    phone: str = attrs.field(repr=False)
    region: Region
    detail: str
    postcode: str | None

    @classmethod
    def of(
        cls,
        *,
        recipient: object,
        phone: object,
        province: object,
        city: object,
        district: object,
        detail: object,
        postcode: object = None,
    ) -> AddressFields:
        if not isinstance(phone, str):
            raise InvalidPhoneNumber("a phone number is text")
        if postcode is not None and (
            not isinstance(postcode, str) or not _POSTCODE.fullmatch(postcode)
        ):
            raise InvalidAddress("a postcode is six digits", details={"field": "postcode"})
        return cls(
            recipient=_text(recipient, "recipient", RECIPIENT_MAX),
            phone=normalize_phone(phone),
            region=Region.of(province, city, district),
            detail=_text(detail, "detail", DETAIL_MAX),
            postcode=postcode,
        )


@attrs.define(slots=False)
class Address:
    id: uuid.UUID
    recipient: str
    phone: str = attrs.field(repr=False)
    province: str
    city: str
    district: str
    detail: str
    postcode: str | None
    is_default: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def region(self) -> Region:
        return Region(self.province, self.city, self.district)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def _fill(self, fields: AddressFields, now: dt.datetime) -> None:
        self.recipient, self.phone = fields.recipient, fields.phone
        self.province, self.city, self.district = attrs.astuple(fields.region)
        self.detail, self.postcode = fields.detail, fields.postcode
        self.updated_at = now


@attrs.define(slots=False, eq=False)
class AddressBook(Aggregate):
    user_id: uuid.UUID
    addresses: dict[uuid.UUID, Address] = attrs.Factory(dict)
    """By id."""

    @classmethod
    def new(cls, *, id: uuid.UUID, user_id: uuid.UUID) -> AddressBook:
        return cls(id=id, user_id=user_id)

    @property
    def default(self) -> Address | None:
        return next((a for a in self.addresses.values() if a.is_default), None)

    def get(self, address_id: uuid.UUID) -> Address:
        found = self.addresses.get(address_id)
        if found is None:
            raise AddressNotFound.of(address_id)
        return found

    def add(
        self,
        address_id: uuid.UUID,
        fields: AddressFields,
        now: dt.datetime,
        *,
        make_default: bool = False,
        most: int = MAX_ADDRESSES,
    ) -> Address:
        """A new address (the default when it is the first, or when asked)."""
        if len(self.addresses) >= most:
            raise AddressBookFull(
                f"a customer keeps at most {most} addresses", details={"max_addresses": most}
            )
        region = fields.region
        address = Address(
            address_id,
            fields.recipient,
            fields.phone,
            region.province,
            region.city,
            region.district,
            fields.detail,
            fields.postcode,
            False,
            now,
            now,
        )
        self.addresses[address_id] = address
        if make_default or self.default is None:
            self.make_default(address_id, now)
        return address

    def edit(self, address_id: uuid.UUID, fields: AddressFields, now: dt.datetime) -> Address:
        address = self.get(address_id)
        address._fill(fields, now)
        return address

    def make_default(self, address_id: uuid.UUID, now: dt.datetime) -> Address:
        chosen = self.get(address_id)
        for address in self.addresses.values():
            if address.is_default and address is not chosen:
                address.is_default = False
                address.updated_at = now
        if not chosen.is_default:
            chosen.is_default = True
            chosen.updated_at = now
        return chosen

    def remove(self, address_id: uuid.UUID, now: dt.datetime) -> None:
        """Delete it (the row goes: nothing of it is kept); a removed default passes to the
        most recently added of the rest."""
        gone = self.get(address_id)
        del self.addresses[address_id]
        if gone.is_default and self.addresses:
            newest = max(self.addresses.values(), key=lambda a: (a.created_at, a.id))
            self.make_default(newest.id, now)

    def in_order(self) -> list[Address]:
        """The default first, then the newest first."""
        return sorted(
            self.addresses.values(),
            key=lambda a: (not a.is_default, -a.created_at.timestamp(), a.id),
        )


__all__ = [
    "MAX_ADDRESSES",
    "Address",
    "AddressBook",
    "AddressFields",
    "Region",
]
