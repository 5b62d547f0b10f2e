"""A customer's addresses: add, edit, remove, make the default. Handlers do not commit.

Each command names the user whose book it changes; an address id of another user's book is
``address.not_found`` (nobody reaches another's address). The phone is personal data: the
commands keep it out of their reprs and of the audit log (``secret_fields``).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

import attrs

from shop_app.ordering.cart_ports import CartUnitOfWork
from shop_app.shared.messagebus import CommandHandler
from shop_domain.ordering.address import MAX_ADDRESSES, AddressFields


@attrs.frozen(kw_only=True)
class AddAddress:
    """A new address; the default when ``make_default`` or when it is the first. Answers its
    id."""

    user_id: uuid.UUID
    recipient: str
    phone: str = attrs.field(repr=False)
    province: str
    city: str
    district: str
    detail: str
    postcode: str | None = None
    make_default: bool = False
    secret_fields: ClassVar[tuple[str, ...]] = ("phone",)


@attrs.frozen(kw_only=True)
class EditAddress:
    """Every field of the address anew; ``phone=None`` keeps the number it has (a client shows
    it masked, so it need not send it back)."""

    user_id: uuid.UUID
    address_id: uuid.UUID
    recipient: str
    phone: str | None = attrs.field(default=None, repr=False)
    province: str
    city: str
    district: str
    detail: str
    postcode: str | None = None
    secret_fields: ClassVar[tuple[str, ...]] = ("phone",)


@attrs.frozen(kw_only=True)
class RemoveAddress:
    user_id: uuid.UUID
    address_id: uuid.UUID


@attrs.frozen(kw_only=True)
class SetDefaultAddress:
    user_id: uuid.UUID
    address_id: uuid.UUID


class AddressHandlers:
    def __init__(self, most: int = MAX_ADDRESSES) -> None:
        self._most = most

    def mapping(self) -> dict[type, CommandHandler]:
        return {
            AddAddress: self.add,
            EditAddress: self.edit,
            RemoveAddress: self.remove,
            SetDefaultAddress: self.set_default,
        }

    async def add(self, command: AddAddress, uow: CartUnitOfWork) -> uuid.UUID:
        fields = AddressFields.of(
            recipient=command.recipient,
            phone=command.phone,
            province=command.province,
            city=command.city,
            district=command.district,
            detail=command.detail,
            postcode=command.postcode,
        )
        book = await uow.address_books.opened_for(command.user_id, uow.ids.new_id())
        address = book.add(
            uow.ids.new_id(),
            fields,
            uow.clock.now(),
            make_default=command.make_default,
            most=self._most,
        )
        return address.id

    async def edit(self, command: EditAddress, uow: CartUnitOfWork) -> uuid.UUID:
        book = await uow.address_books.opened_for(command.user_id, uow.ids.new_id())
        held = book.get(command.address_id)
        fields = AddressFields.of(
            recipient=command.recipient,
            phone=held.phone if command.phone is None else command.phone,
            province=command.province,
            city=command.city,
            district=command.district,
            detail=command.detail,
            postcode=command.postcode,
        )
        book.edit(command.address_id, fields, uow.clock.now())
        return command.address_id

    async def remove(self, command: RemoveAddress, uow: CartUnitOfWork) -> uuid.UUID:
        book = await uow.address_books.opened_for(command.user_id, uow.ids.new_id())
        book.remove(command.address_id, uow.clock.now())
        return command.address_id

    async def set_default(self, command: SetDefaultAddress, uow: CartUnitOfWork) -> uuid.UUID:
        book = await uow.address_books.opened_for(command.user_id, uow.ids.new_id())
        book.make_default(command.address_id, uow.clock.now())
        return command.address_id


def address_command_handlers(most: int = MAX_ADDRESSES) -> dict[type, CommandHandler]:
    return AddressHandlers(most).mapping()


__all__ = [
    "AddAddress",
    "AddressHandlers",
    "EditAddress",
    "RemoveAddress",
    "SetDefaultAddress",
    "address_command_handlers",
]
