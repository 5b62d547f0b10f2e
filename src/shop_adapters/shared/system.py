"""The real clock and id generator."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import uuid

from shop_domain.shared.ids import new_id


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class UuidV7Generator:
    def new_id(self) -> uuid.UUID:
        return new_id()


def worker_name() -> str:
    """A name for this process as a job worker: ``host:pid:random`` (unique per call)."""
    return f"{socket.gethostname()[:150]}:{os.getpid()}:{secrets.token_hex(4)}"
