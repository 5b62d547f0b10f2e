"""The aggregate base: identity, a version for optimistic locking, and recorded events."""

from __future__ import annotations

import uuid

import attrs

from shop_domain.shared.events import DomainEvent


@attrs.define(slots=False, eq=False)
class Aggregate:
    """Base of every aggregate root.

    ``version`` is owned by persistence: 0 for an aggregate never saved, then bumped by every
    write; a write based on a stale version fails with ``ConcurrencyConflict``.

    Events live in the instance ``__dict__`` rather than in an attrs field because persistence
    builds loaded aggregates without calling ``__init__``.
    """

    id: uuid.UUID = attrs.field(kw_only=True)
    version: int = attrs.field(default=0, kw_only=True)

    def record(self, event: DomainEvent) -> None:
        self.__dict__.setdefault("_pending_events", []).append(event)

    @property
    def pending_events(self) -> tuple[DomainEvent, ...]:
        return tuple(self.__dict__.get("_pending_events", ()))

    def pull_events(self) -> list[DomainEvent]:
        """Hand over and forget the events recorded since the last pull."""
        events: list[DomainEvent] = self.__dict__.pop("_pending_events", [])
        return events
