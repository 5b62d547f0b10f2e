"""Integration events: what leaves the process, with a name, a version and a schema of its own.

A domain event is a fact inside one context, shaped for that context's code; an **integration
event** is the published contract other contexts and other systems consume. They differ on
purpose: renaming a domain class or an attrs field must not break a consumer.

- An integration event is a frozen attrs class deriving from :class:`IntegrationEvent`, with a
  stable ``type`` (``giftcards.card_spent``: ``<context>.<what_happened>``) and an integer
  ``version``. Its fields are the payload, with explicit wire names: ids as UUIDs, money as
  :class:`Amount` (``{"minor", "currency"}``), times as aware datetimes, enumerations as their
  string values. (Attrs rather than ``msgspec.Struct``: the application imports no framework.
  The adapters encode, decode and describe these classes with msgspec — it reads attrs classes
  natively — and publish the JSON schema of each in ``docs/asyncapi.json``; ADR 0024.)
- Changing a published event's fields means a new class with ``version + 1``; a snapshot of each
  (type, version)'s schema (``docs/events.lock.json``) makes a test fail otherwise.
- Each context maps its domain events in ONE module, ``shop_app/<context>/integration.py``:
  one function per domain event class (``@REGISTRY.maps(CardSpent)``), or a line that marks
  domain events as internal (``REGISTRY.internal(SecretViewed)``: they never leave the process);
  the stable name of each of its aggregates (``REGISTRY.aggregate(GiftCard, "giftcards.card")``).
- The unit of work writes the integration event of each committed domain event to the outbox
  (``type``, ``version``, :func:`payload_of`, the aggregate's stable name). A domain event that
  is neither mapped nor internal is an error at commit (:class:`UnmappedEvent`), never a silent
  wire format. In-process handlers (the message bus) keep receiving domain events.

The registry finds a context's mapping module by convention: a domain event or aggregate
defined in ``shop_domain.<context>…`` is looked up after importing
``shop_app.<context>.integration``; :func:`load_contexts` imports every such module (for the
AsyncAPI document). Embedders' own events register the same way (from any module) before use.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, TypeVar

import attrs

from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.events import DomainEvent, to_jsonable
from shop_domain.shared.money import Money

NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
"""Event type and aggregate names: dotted lower-case words, the context first."""
CONTEXT_MODULE = "shop_app.{context}.integration"

E = TypeVar("E", bound=DomainEvent)
IE = TypeVar("IE", bound="IntegrationEvent")
Mapper = Callable[[Any], "IntegrationEvent | None"]


class UnmappedEvent(LookupError):
    """A domain event (or aggregate) has no integration mapping and is not marked internal."""


class RegistryConflict(ValueError):
    """Two registrations of one name, or an integration event class that breaks the rules."""


@attrs.frozen(kw_only=True)
class Amount:
    """Money on the wire: ``{"minor": 2500, "currency": "CNY"}`` (the minor unit, MON-1)."""

    minor: int
    currency: str

    @classmethod
    def of(cls, money: Money) -> Amount:
        return cls(minor=money.minor, currency=money.currency)


@attrs.frozen(kw_only=True)
class IntegrationEvent:
    """Base of integration events; subclasses set ``type`` and ``version`` and list the payload
    fields (see the module's docstring)."""

    type: ClassVar[str]
    version: ClassVar[int]


def payload_of(event: IntegrationEvent) -> dict[str, Any]:
    """The event's fields as JSON-compatible data: what the outbox stores and the wire carries
    (UUIDs and times as strings, nested attrs classes as objects)."""
    data: dict[str, Any] = to_jsonable(event)
    return data


def _is_attrs_class(cls: type) -> bool:
    return attrs.has(cls)


def _context_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "shop_domain" and parts[1] != "shared":
        return parts[1]
    return None


class IntegrationRegistry:
    """Integration event classes by (type, version); the mapping of each domain event class;
    the stable name of each aggregate class."""

    def __init__(self) -> None:
        self._events: dict[tuple[str, int], type[IntegrationEvent]] = {}
        self._mappers: dict[type[DomainEvent], Mapper | None] = {}
        self._aggregates: dict[type[Aggregate], str] = {}
        self._loaded: set[str] = set()

    # --- registration (at import of a context's integration module) ------------------------
    def event(self, cls: type[IE]) -> type[IE]:
        """Class decorator: register an integration event class."""
        if not (isinstance(cls, type) and issubclass(cls, IntegrationEvent)):
            raise RegistryConflict(f"{cls!r} does not derive from IntegrationEvent")
        if not _is_attrs_class(cls):
            raise RegistryConflict(f"{cls.__name__} must be an attrs class")
        name, version = getattr(cls, "type", None), getattr(cls, "version", None)
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise RegistryConflict(f"{cls.__name__}.type must look like 'context.what_happened'")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise RegistryConflict(f"{cls.__name__}.version must be a positive integer")
        known = self._events.get((name, version))
        if known is not None and known is not cls:
            raise RegistryConflict(f"{name} v{version} is registered twice")
        self._events[(name, version)] = cls
        return cls

    def maps(
        self, domain_event: type[E]
    ) -> Callable[[Callable[[E], IE | None]], Callable[[E], IE | None]]:
        """Function decorator: the function turns ``domain_event`` into its integration event
        (or ``None`` when that occurrence stays inside)."""

        def register(mapper: Callable[[E], IE | None]) -> Callable[[E], IE | None]:
            self._claim(domain_event, mapper)
            return mapper

        return register

    def internal(self, *domain_events: type[DomainEvent]) -> None:
        """These domain events never leave the process."""
        for domain_event in domain_events:
            self._claim(domain_event, None)

    def _claim(self, domain_event: type[DomainEvent], mapper: Mapper | None) -> None:
        if not (isinstance(domain_event, type) and issubclass(domain_event, DomainEvent)):
            raise RegistryConflict(f"{domain_event!r} is not a domain event class")
        if domain_event in self._mappers:
            raise RegistryConflict(f"{domain_event.__name__} is mapped twice")
        self._mappers[domain_event] = mapper

    def aggregate(self, aggregate: type[Aggregate], name: str) -> None:
        """The stable name of ``aggregate`` on the wire (``giftcards.card``)."""
        if not NAME_PATTERN.fullmatch(name):
            raise RegistryConflict(f"aggregate name {name!r} must look like 'context.thing'")
        known = self._aggregates.get(aggregate)
        if known is not None and known != name:
            raise RegistryConflict(f"{aggregate.__name__} is named twice")
        if name in self._aggregates.values() and known is None:
            raise RegistryConflict(f"the aggregate name {name!r} is taken")
        self._aggregates[aggregate] = name

    # --- lookup -----------------------------------------------------------------------------
    def to_integration(self, event: DomainEvent) -> IntegrationEvent | None:
        """The integration event of ``event``; ``None`` if it stays inside the process."""
        kind = type(event)
        if kind not in self._mappers:
            self._load_for(kind.__module__)
        if kind not in self._mappers:
            raise UnmappedEvent(
                f"the domain event {kind.__module__}.{kind.__qualname__} ({event.event_type}) "
                "has no integration mapping: map it in its context's integration module or "
                "mark it internal (shop_app.shared.integration)"
            )
        mapper = self._mappers[kind]
        return None if mapper is None else mapper(event)

    def aggregate_name(self, aggregate: Aggregate) -> str:
        kind = type(aggregate)
        if kind not in self._aggregates:
            self._load_for(kind.__module__)
        name = self._aggregates.get(kind)
        if name is None:
            raise UnmappedEvent(
                f"the aggregate {kind.__module__}.{kind.__qualname__} has no stable name: "
                "register it in its context's integration module"
            )
        return name

    def is_covered(self, domain_event: type[DomainEvent]) -> bool:
        """Mapped or marked internal."""
        if domain_event not in self._mappers:
            self._load_for(domain_event.__module__)
        return domain_event in self._mappers

    def is_internal(self, domain_event: type[DomainEvent]) -> bool:
        return self.is_covered(domain_event) and self._mappers[domain_event] is None

    def get(self, name: str, version: int) -> type[IntegrationEvent] | None:
        return self._events.get((name, version))

    def events(self) -> list[type[IntegrationEvent]]:
        """Every registered integration event class, by type then version."""
        return [self._events[key] for key in sorted(self._events)]

    def __iter__(self) -> Iterator[type[IntegrationEvent]]:
        return iter(self.events())

    # --- discovery --------------------------------------------------------------------------
    def _load_for(self, module: str) -> None:
        context = _context_of(module)
        if context is not None:
            self.load(context)

    def load(self, context: str) -> bool:
        """Import ``shop_app.<context>.integration`` (once); ``False`` if there is none."""
        name = CONTEXT_MODULE.format(context=context)
        if name in self._loaded:
            return True
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name not in (name, f"shop_app.{context}"):
                raise
            return False
        self._loaded.add(name)
        return True


REGISTRY = IntegrationRegistry()
"""The process's registry: contexts register into it when their integration module is imported."""


def load_contexts(registry: IntegrationRegistry = REGISTRY) -> list[str]:
    """Import the integration module of every application context; their names."""
    import shop_app

    found = []
    for module in pkgutil.iter_modules(shop_app.__path__):
        if module.ispkg and module.name != "shared" and registry.load(module.name):
            found.append(module.name)
    return sorted(found)


__all__ = [
    "REGISTRY",
    "Amount",
    "IntegrationEvent",
    "IntegrationRegistry",
    "RegistryConflict",
    "UnmappedEvent",
    "load_contexts",
    "payload_of",
]
