"""The contexts' shares of the ``shop`` command line, in one list: each brings its commands
(``shop coupons …``) and its sweeps. Adding a context's commands adds it here, nowhere else."""

from __future__ import annotations

from shop_adapters.cli.catalog import CATALOG_COMMANDS
from shop_adapters.cli.coupons import COUPON_COMMANDS
from shop_adapters.cli.giftcards import GIFTCARD_COMMANDS
from shop_adapters.cli.support import ContextCommands, Sweep

CONTEXTS: tuple[ContextCommands, ...] = (CATALOG_COMMANDS, COUPON_COMMANDS, GIFTCARD_COMMANDS)


def all_sweeps() -> tuple[Sweep, ...]:
    """Every context's sweeps, in the order of :data:`CONTEXTS`."""
    return tuple(sweep for context in CONTEXTS for sweep in context.sweeps)
