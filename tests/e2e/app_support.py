"""One Litestar app per set of controllers and options, each test's runtime seated in it.

``create_app`` makes Litestar register every route afresh (signatures parsed, handlers copied,
the routing trie built): 25 ms for the kernel alone, 70 to 110 ms with a context's controllers
— more than most e2e tests spend on their requests. :func:`seated_app` builds the app once,
over a runtime of its own — the *seat* — and while a test holds the app, the seat is that
test's runtime: every field of it is the same object as the test's runtime's (its ``memory://``
database, clock, bus, read sides, settings, start-up checks). The app reaches its runtime only
through the seat, so a request sees what it would see in an app built over the test's runtime.

- What ``create_app`` reads of the settings (the JWT secret's sources, issuer and lifetime;
  ``debug``) is built into the app: a runtime whose settings differ there gets another app.
- What Litestar keeps for the app's life of the runtime's parts (the ``use_cache``
  dependencies: the runtime, the bus, the clock) is forgotten at every change of seat.
- The app's start-up marks the seat started, not the test's runtime (no seated test starts
  its runtime itself).
- An app in use is never seated twice: a test that asks for a second one while the first is
  held gets another. Tests that build an app differently (``owns_runtime``, a runtime that is
  not a test's own) keep calling ``create_app``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import attrs
from litestar import Controller, Litestar, Router
from litestar.types import Empty

from shop_adapters.http import create_app
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings

_FIELDS = frozenset(field.name for field in attrs.fields(Runtime))


def _seat(seat: Runtime, runtime: Runtime) -> None:
    """Make ``seat`` the runtime ``runtime`` is: every field the same object. (A stand-in
    class will not do: Litestar checks the ``runtime`` dependency's exact type.)"""
    runtime.job_runner  # noqa: B018 - built now if it is built on first use, so both share it
    for name in _FIELDS:
        object.__setattr__(seat, name, getattr(runtime, name))


class _ReadSettings:
    """Settings that note which of their fields are read: what ``create_app`` reads of them
    (the JWT secret's sources, issuer and lifetime; ``debug``) is built into the app, and only
    runtimes whose settings agree on those may share it."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.read: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        value = self.read[name] = getattr(self._settings, name)
        return value


@attrs.define(eq=False)
class _Built:
    controllers: tuple[type[Controller] | Router, ...]
    options: dict[str, Any]
    settings_read: dict[str, Any]
    app: Litestar
    seat: Runtime
    held: bool = False

    def fits(self, runtime: Runtime, controllers: tuple[Any, ...], options: dict[str, Any]) -> bool:
        return (
            not self.held
            and self.controllers == controllers
            and self.options == options
            and all(getattr(runtime.settings, k) == v for k, v in self.settings_read.items())
        )

    def take(self, runtime: Runtime) -> None:
        _seat(self.seat, runtime)
        self.held = True
        _forget_cached_dependencies(self.app)

    def give_back(self) -> None:
        self.held = False


_BUILT: list[_Built] = []


def _forget_cached_dependencies(app: Litestar) -> None:
    """Litestar keeps the first value of a ``use_cache`` dependency for the app's life."""
    for provide in (app.dependencies or {}).values():
        if getattr(provide, "use_cache", False):
            provide.value = Empty


@contextmanager
def seated_app(
    runtime: Runtime,
    controllers: Sequence[type[Controller] | Router],
    **options: Any,
) -> Iterator[Litestar]:
    """``create_app(runtime, controllers, **options)``, built once for equal controllers and
    options and settings that agree on what ``create_app`` reads, and reused while no other
    test holds it."""
    key = tuple(controllers)
    built = next((b for b in _BUILT if b.fits(runtime, key, options)), None)
    if built is None:
        settings = _ReadSettings(runtime.settings)
        seat = attrs.evolve(runtime, settings=settings)
        app = create_app(seat, list(key), **options)
        built = _Built(key, dict(options), settings.read, app, seat)
        _BUILT.append(built)
    built.take(runtime)
    try:
        yield built.app
    finally:
        built.give_back()
