"""The contexts' shares of the ``shop`` command line: each context plugged in
(:data:`shop_adapters.contexts.CONTEXTS`) brings its commands (``shop coupons …``) and its sweeps
(``ContextPlugin.cli``)."""

from __future__ import annotations

from shop_adapters.cli.support import ContextCommands, Sweep
from shop_adapters.contexts import CONTEXTS as PLUGGED_IN

CONTEXTS: tuple[ContextCommands, ...] = tuple(
    commands for commands in (context.commands() for context in PLUGGED_IN) if commands
)


def all_sweeps() -> tuple[Sweep, ...]:
    """Every context's sweeps, in the order of :data:`CONTEXTS`."""
    return tuple(sweep for context in CONTEXTS for sweep in context.sweeps)
