"""SMS senders without a gateway: a list for tests, a file for development.

A production deployment plugs in its SMS gateway behind :class:`~shop_app.shared.notify.SmsSender`;
these two stand in for it. The development sender writes every message to a "dev SMS inbox"
file that only its owner may read (mode 0600) — that is where an operator running the shop
locally finds the one-time code of an export. The log says only that a message went to a
masked number: a code in a log is a code anyone with the logs can use (SEC-3).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import stat
from pathlib import Path

import attrs

from shop_app.shared.notify import SmsSender, mask_phone

logger = logging.getLogger(__name__)


@attrs.frozen
class SentSms:
    phone: str
    text: str = attrs.field(repr=False)  # it carries codes: kept out of reprs


class MemorySmsSender(SmsSender):
    """Keeps every message in :attr:`sent`. Set :attr:`failure` to make :meth:`send` raise it
    (a gateway that refuses), sending nothing."""

    def __init__(self) -> None:
        self.sent: list[SentSms] = []
        self.failure: Exception | None = None

    async def send(self, phone: str, text: str) -> None:
        if self.failure is not None:
            raise self.failure
        self.sent.append(SentSms(phone, text))

    def last_to(self, phone: str) -> str | None:
        """The text of the last message sent to ``phone``, if any."""
        for sms in reversed(self.sent):
            if sms.phone == phone:
                return sms.text
        return None


class FileSmsSender(SmsSender):
    """Appends one line per message — ``<UTC time>\\t<phone>\\t<text>`` — to ``path``, which it
    creates (with its folder) readable and writable by its owner only."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)

    @property
    def path(self) -> Path:
        return self._path

    async def send(self, phone: str, text: str) -> None:
        at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        line = "\t".join((at, _one_line(phone), _one_line(text))) + "\n"
        await asyncio.to_thread(self._append, line.encode())
        logger.info("SMS sent to %s (development inbox %s)", mask_phone(phone), self._path)

    def _append(self, data: bytes) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:  # an older, looser inbox
                os.fchmod(fd, 0o600)
            while data:
                data = data[os.write(fd, data) :]
        finally:
            os.close(fd)


def _one_line(value: str) -> str:
    return " ".join(value.split()) if any(c in value for c in "\t\r\n") else value


__all__ = ["FileSmsSender", "MemorySmsSender", "SentSms"]
