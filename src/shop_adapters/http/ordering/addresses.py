"""A customer's addresses over HTTP, under ``/me/addresses`` (customers only; the user id is
the token's subject, so another's address is never found: 404 ``address.not_found``).

``GET`` lists them (the default first), ``POST`` adds one (at most 20; the first is the
default), ``PUT /{id}`` replaces its fields (``phone`` may be left out to keep the number),
``DELETE /{id}`` removes it (its default passes to the newest of the rest), ``POST
/{id}/default`` makes it the default. The phone is personal data: answers show it masked
(``*******1234``); only the checkout reads it in full, through ``AddressQueries``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Final

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from shop_adapters.http.app import Commands
from shop_adapters.http.auth import customer_only
from shop_adapters.http.giftcards.customer import user_id_of
from shop_adapters.http.problems import problem_spec
from shop_adapters.runtime import Runtime
from shop_app.ordering.addresses import AddAddress, EditAddress, RemoveAddress, SetDefaultAddress
from shop_app.ordering.cart_ports import AddressQueries
from shop_app.shared.auth import Principal
from shop_domain.ordering.address import Address
from shop_domain.ordering.cart_errors import AddressNotFound

FULL: Final = problem_spec("The customer keeps the most addresses allowed (`address.book_full`)")
Code = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{6}$", examples=["310000"])]
Recipient = Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
Phone = Annotated[str, msgspec.Meta(min_length=1, max_length=40, examples=["138 0013 1234"])]
Detail = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Postcode = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{6}$", examples=["200000"])]


class AddressIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    recipient: Recipient
    phone: Phone
    province: Code
    """``XX0000``"""
    city: Code
    """``XXXX00``, of the province"""
    district: Code
    """``XXXXXX``, of the city"""
    detail: Detail
    postcode: Postcode | None = None
    make_default: bool = False


class AddressEditIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    recipient: Recipient
    province: Code
    city: Code
    district: Code
    detail: Detail
    phone: Phone | None = None
    """Left out (or null): the number stays as it is."""
    postcode: Postcode | None = None


class AddressOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    recipient: str
    phone: str
    """Masked: the last four digits."""
    province: str
    city: str
    district: str
    detail: str
    postcode: str | None
    is_default: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, a: Address) -> AddressOut:
        return cls(
            a.id,
            a.recipient,
            a.masked_phone,
            a.province,
            a.city,
            a.district,
            a.detail,
            a.postcode,
            a.is_default,
            a.created_at,
            a.updated_at,
        )


async def _one(runtime: Runtime, principal: Principal, address_id: uuid.UUID) -> AddressOut:
    found = await runtime.get(AddressQueries).address_of(user_id_of(principal), address_id)
    if found is None:
        raise AddressNotFound.of(address_id)
    return AddressOut.of(found)


class AddressController(Controller):
    path = "/me/addresses"
    tags = ["addresses"]
    guards = [customer_only]

    @get("/", summary="The caller's addresses, the default first")
    async def mine(
        self, runtime: NamedDependency[Runtime], principal: NamedDependency[Principal]
    ) -> list[AddressOut]:
        found = await runtime.get(AddressQueries).addresses_of(user_id_of(principal))
        return [AddressOut.of(address) for address in found]

    @post("/", summary="Add an address", status_code=201, responses={409: FULL})
    async def add(
        self,
        data: JSONBody[AddressIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> AddressOut:
        made = await commands.send(
            AddAddress(
                user_id=user_id_of(commands.principal),
                recipient=data.recipient,
                phone=data.phone,
                province=data.province,
                city=data.city,
                district=data.district,
                detail=data.detail,
                postcode=data.postcode,
                make_default=data.make_default,
            )
        )
        return await _one(runtime, commands.principal, uuid.UUID(str(made)))

    @put("/{address_id:uuid}", summary="Replace an address's fields")
    async def edit(
        self,
        address_id: FromPath[uuid.UUID],
        data: JSONBody[AddressEditIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> AddressOut:
        await commands.send(
            EditAddress(
                user_id=user_id_of(commands.principal),
                address_id=address_id,
                recipient=data.recipient,
                phone=data.phone,
                province=data.province,
                city=data.city,
                district=data.district,
                detail=data.detail,
                postcode=data.postcode,
            )
        )
        return await _one(runtime, commands.principal, address_id)

    @delete("/{address_id:uuid}", summary="Remove an address", status_code=204)
    async def remove(
        self, address_id: FromPath[uuid.UUID], commands: NamedDependency[Commands]
    ) -> None:
        user = user_id_of(commands.principal)
        await commands.send(RemoveAddress(user_id=user, address_id=address_id))

    @post("/{address_id:uuid}/default", summary="Make an address the default", status_code=200)
    async def make_default(
        self,
        address_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> AddressOut:
        user = user_id_of(commands.principal)
        await commands.send(SetDefaultAddress(user_id=user, address_id=address_id))
        return await _one(runtime, commands.principal, address_id)


__all__ = ["AddressController", "AddressOut"]
