"""Verifying a member's phone in tests (MEM-1, GC-5): the code as the in-memory SMS sender
received it, and the whole round a customer makes."""

from __future__ import annotations

import re
import uuid

from shop_adapters.shared.sms import MemorySmsSender
from shop_app.loyalty.phones import RequestPhoneCode, VerifyPhone
from shop_domain.shared.phones import normalize_phone
from shop_testing.harness import MemoryShop


def last_code(shop: MemoryShop, typed: str) -> str:
    """The one-time code in the last SMS to ``typed`` (sent to its canonical form)."""
    sender = shop.runtime.sms
    assert isinstance(sender, MemorySmsSender)
    text = sender.last_to(normalize_phone(typed))
    assert text is not None, f"no SMS to {typed}"
    found = re.search(r"\b(\d{4,12})\b", text)
    assert found is not None, "no code in the SMS"
    return found.group(1)


async def verified(shop: MemoryShop, user: uuid.UUID, typed: str) -> None:
    """``user`` asks for a code for ``typed`` and sends it back; the clock then moves a minute
    on, so that another code may follow."""
    bus = shop.runtime.bus
    await bus.handle(RequestPhoneCode(user_id=user, phone=typed))
    await bus.handle(VerifyPhone(user_id=user, phone=typed, code=last_code(shop, typed)))
    shop.clock.advance(seconds=61)
