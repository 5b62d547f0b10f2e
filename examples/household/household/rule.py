"""The rule, free of any framework: what a household is, and how a claim is refused."""

from __future__ import annotations

import re
import unicodedata

from shop_domain.shared.errors import Conflict, InvalidValue

_NOT_WORD = re.compile(r"[\W_]+")


def household_of(address: str) -> str:
    """The household an address belongs to: the address with case, accents' composition,
    punctuation and spacing ignored, so ``"12 Elm St., Flat 3"`` and ``"12 elm st flat 3"`` are
    one household. Refuses an address with nothing in it."""
    folded = unicodedata.normalize("NFKC", address).casefold()
    key = " ".join(part for part in _NOT_WORD.split(folded) if part)
    if not key:
        raise InvalidValue("an address needs letters or digits", code=EmptyAddress.code)
    return key


class EmptyAddress(InvalidValue):
    code = "household.empty_address"


class AddressRequired(Conflict):
    """A claim by someone whose household is not known: the campaign is for households."""

    code = "household.address_required"


class OneCouponPerHousehold(Conflict):
    """Someone else in the claimant's household already claimed a coupon of this template."""

    code = "household.one_coupon_per_household"


__all__ = ["AddressRequired", "EmptyAddress", "OneCouponPerHousehold", "household_of"]
