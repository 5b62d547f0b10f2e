"""The real clock and id generator, and a clock for tests and embedders' tests."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import uuid

import attrs

from shop_domain.shared.ids import new_id


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@attrs.define
class FixedClock:
    """A clock that says what it is told; ``advance`` moves it on (tests, demos)."""

    current: dt.datetime = attrs.field(factory=lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


class UuidV7Generator:
    def new_id(self) -> uuid.UUID:
        return new_id()


def worker_name() -> str:
    """A name for this process as a job worker: ``host:pid:random`` (unique per call)."""
    return f"{socket.gethostname()[:150]}:{os.getpid()}:{secrets.token_hex(4)}"
