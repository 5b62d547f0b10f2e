"""The ``shop`` command line: the kernel's commands (serve, db, relay, jobs, sweep, token,
demo-data), one module each, and each context's commands, added from the one list of
:mod:`shop_adapters.cli.contexts`.

No module of this package imports this one: the commands are defined in their modules and only
gathered here, so the package has no import cycle (``tests/unit/test_import_cycles.py``).
"""

from __future__ import annotations

import logging

import click

from shop_adapters.cli.contexts import CONTEXTS
from shop_adapters.cli.db import db
from shop_adapters.cli.demo import demo_data
from shop_adapters.cli.jobs import jobs
from shop_adapters.cli.relay import relay
from shop_adapters.cli.sandbox import sandbox_gateway
from shop_adapters.cli.serve import serve
from shop_adapters.cli.sweep import sweep
from shop_adapters.cli.tokens import token
from shop_adapters.messaging.cli import events
from shop_adapters.sql.errors import TranslatingPool

KERNEL_COMMANDS: tuple[click.Command, ...] = (
    serve,
    db,
    relay,
    jobs,
    token,
    demo_data,
    sweep,
    events,
    sandbox_gateway,
)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def main(verbose: bool) -> None:
    """shop: an embeddable e-commerce core, and its back-office HTTP service."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    if not verbose:
        # alembic's progress, and the pool's life (SQLAlchemy names a pool subclass's logger
        # after its module, so ours is not under `sqlalchemy`, which stays at WARNING)
        for chatty in ("alembic", f"{TranslatingPool.__module__}.{TranslatingPool.__name__}"):
            logging.getLogger(chatty).setLevel(logging.WARNING)


for _command in (*KERNEL_COMMANDS, *(c for context in CONTEXTS for c in context.commands)):
    main.add_command(_command)

__all__ = ["main"]
