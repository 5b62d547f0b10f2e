"""``shop events``: the contract of the integration events (ADR 0024)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from shop_adapters.messaging.asyncapi import DOCUMENT_FILE, LOCK_FILE, write_docs

console = Console(stderr=True, soft_wrap=True)


@click.group()
def events() -> None:
    """Integration events: their AsyncAPI document and schema lock."""


@events.command("docs")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs"),
    show_default=True,
    help=f"Where {DOCUMENT_FILE} and {LOCK_FILE} live.",
)
@click.option("--check", is_flag=True, help="Change nothing; fail if a file is not current.")
def docs(directory: Path, check: bool) -> None:
    """Regenerate the AsyncAPI document and record new event versions in the lock file.

    A published event version whose schema changed is refused: publish a new version instead.
    """
    if not directory.is_dir():
        raise click.UsageError(f"no such folder: {directory}")
    report = write_docs(directory, check=check)
    for entry in report.refused:
        console.print(
            f"[red]{entry} changed its schema after it was published: give the event a new "
            "version (keep the old one while consumers need it)[/red]"
        )
    if check:
        for path in report.stale:
            console.print(f"{path} is not current: run `shop events docs`")
    else:
        for path in report.written:
            console.print(f"wrote {path}")
        if not report.written:
            console.print("the event documents are current")
    if report.refused or (check and report.stale):
        raise SystemExit(1)
