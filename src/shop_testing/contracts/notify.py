"""The contract of :class:`~shop_app.shared.notify.SmsSender`, the port that sends one-time
codes by text message (GC-12).

Subclass :class:`SmsSenderContract` once per sender, giving it two fixtures and one hook::

    class TestMyGateway(SmsSenderContract):
        @pytest.fixture
        def sender(self) -> MyGateway: ...            # a working gateway

        @pytest.fixture
        def refusing(self) -> MyGateway: ...          # the same kind, its gateway refusing

        async def delivered(self, sender: SmsSender) -> list[tuple[str, str]]:
            ...  # what the gateway of ``sender`` accepted: (phone, text), oldest first

The promises: ``send`` returns once the gateway accepted the message, with its number and text
as given, and raises when the gateway refused it; concurrent sends all arrive; neither the
number nor the text (which carries the code) reaches a log, nor the error of a refusal (SEC-3).
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Sequence

import pytest

from shop_app.shared.notify import SmsSender

PHONE = "+86 138 0013 1234"
PHONE_DIGITS = "8613800131234"
OTHER_PHONE = "+1 555 010 9876"
CODE = "482913"
TEXT = f"Your shop verification code is {CODE}. It expires in 5 minutes."
OTHER_TEXT = "Ihr Code lautet 730519 — gültig 5 Minuten. 验证码 730519"


async def refused(sender: SmsSender, phone: str, text: str) -> None:
    """Fails the test unless ``sender.send`` raises."""
    try:
        await sender.send(phone, text)
    except Exception:
        return
    pytest.fail("the send returned although the gateway refused the message")


@pytest.mark.rule("GC-12")
@pytest.mark.asyncio
class SmsSenderContract(abc.ABC):
    """The SMS port's promises; see the module documentation for what a subclass provides."""

    @abc.abstractmethod
    async def delivered(self, sender: SmsSender) -> Sequence[tuple[str, str]]:
        """What the gateway behind ``sender`` accepted so far: ``(phone, text)``, oldest
        first."""

    async def test_a_sent_message_reaches_the_gateway_as_written(self, sender: SmsSender) -> None:
        assert list(await self.delivered(sender)) == []
        await sender.send(PHONE, TEXT)
        assert list(await self.delivered(sender)) == [(PHONE, TEXT)]

    async def test_messages_arrive_in_the_order_sent_each_to_its_number(
        self, sender: SmsSender
    ) -> None:
        sent = [(PHONE, TEXT), (OTHER_PHONE, OTHER_TEXT), (PHONE, OTHER_TEXT)]
        for phone, text in sent:
            await sender.send(phone, text)
        assert list(await self.delivered(sender)) == sent

    async def test_concurrent_sends_all_arrive(self, sender: SmsSender) -> None:
        """One-time codes for several operators are issued at once."""
        sent = [(f"+86 138 0013 {n:04d}", f"Your code is {n:06d}.") for n in range(20)]
        await asyncio.gather(*(sender.send(phone, text) for phone, text in sent))
        assert sorted(await self.delivered(sender)) == sorted(sent)

    async def test_a_refused_message_raises_and_is_not_delivered(self, refusing: SmsSender) -> None:
        """A code that did not go out must not be kept as sent (the caller drops it)."""
        await refused(refusing, PHONE, TEXT)
        assert list(await self.delivered(refusing)) == []

    @pytest.mark.rule("SEC-3")
    async def test_neither_the_number_nor_the_text_reaches_the_logs(
        self, sender: SmsSender, refusing: SmsSender, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Nor the error of a refusal, which a caller may log."""
        shown: list[str] = []
        with caplog.at_level(logging.DEBUG):
            await sender.send(PHONE, TEXT)
            try:
                await refusing.send(PHONE, TEXT)
            except Exception as error:
                shown += [str(error), repr(error)]
        shown += [caplog.text, *(repr(record.args) for record in caplog.records)]
        for text in shown:
            for secret in (CODE, TEXT, PHONE, PHONE_DIGITS):
                assert secret not in text, f"{secret!r} is in a log or an error: {text!r}"


__all__ = ["SmsSenderContract"]
