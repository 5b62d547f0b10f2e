"""The real clock and id generator."""

from __future__ import annotations

import datetime as dt
import uuid

from shop_domain.shared.ids import new_id


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class UuidV7Generator:
    def new_id(self) -> uuid.UUID:
        return new_id()
