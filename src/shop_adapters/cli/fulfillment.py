"""The fulfillment context's share of ``shop``: ``shop stock import FILE`` — a stock count from
a CSV file (``sku_id,warehouse,on_hand``; the warehouse by code), with a progress bar.

The whole file is read and checked first — every row well formed, every warehouse known, no
SKU and warehouse twice — and refused with the line numbers of what is wrong, changing nothing.
Then each row is a transaction of its own (``CountStock``, audited): a killed import is taken up
by running it again, and rows counted already change nothing the second time.
"""

from __future__ import annotations

import csv
import uuid
from pathlib import Path
from typing import Final

import click

from shop_adapters.cli.support import ContextCommands, console, progress, run_with_runtime
from shop_adapters.runtime import Runtime
from shop_app.fulfillment.ports import StockQueries
from shop_app.fulfillment.stock import CountStock
from shop_app.shared.auth import Principal
from shop_domain.fulfillment.stock import MAX_UNITS
from shop_domain.shared.errors import DomainError

MAX_ROWS: Final = 1_000_000
HEADER: Final = ("sku_id", "warehouse", "on_hand")


def read_counts(
    path: Path, warehouses: dict[str, uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID, int]]:
    """The rows of ``path``, or a ``click.ClickException`` listing (up to 20 of) what is wrong."""
    rows: list[tuple[uuid.UUID, uuid.UUID, int]] = []
    wrong: list[str] = []
    seen: set[tuple[uuid.UUID, uuid.UUID]] = set()
    try:
        with path.open(encoding="utf-8", newline="") as file:
            reader = csv.reader(file)
            header = next(reader, None)
            if header is None or tuple(h.strip() for h in header) != HEADER:
                raise click.ClickException(f"{path}: the first line is {','.join(HEADER)}")
            for line, row in enumerate(reader, start=2):
                if len(rows) >= MAX_ROWS:
                    raise click.ClickException(f"{path}: at most {MAX_ROWS:,} rows")
                problem = _row_problem(row, warehouses)
                if isinstance(problem, str):
                    wrong.append(f"line {line}: {problem}")
                    continue
                if problem[:2] in seen:
                    wrong.append(f"line {line}: this SKU and warehouse are counted above")
                    continue
                seen.add(problem[:2])
                rows.append(problem)
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text") from None
    if wrong:
        shown = "\n".join(wrong[:20])
        more = f"\n… and {len(wrong) - 20} more" if len(wrong) > 20 else ""
        raise click.ClickException(f"{path}: nothing imported\n{shown}{more}")
    return rows


def _row_problem(
    row: list[str], warehouses: dict[str, uuid.UUID]
) -> str | tuple[uuid.UUID, uuid.UUID, int]:
    if len(row) != len(HEADER):
        return f"{len(row)} fields, not {len(HEADER)}"
    sku, code, count = (field.strip() for field in row)
    try:
        sku_id = uuid.UUID(sku)
    except ValueError:
        return f"{sku!r} is not a SKU id"
    house = warehouses.get(code)
    if house is None:
        return f"no warehouse is coded {code!r}"
    if not count.isascii() or not count.isdigit() or int(count) > MAX_UNITS:
        return f"{count!r} is not a count from 0 to {MAX_UNITS:,}"
    return sku_id, house, int(count)


@click.group("stock")
def stock() -> None:
    """Warehouses and stock (STK-1)."""


@stock.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", default="stock count", show_default=True, help="Kept with each change.")
@click.option("--by", "actor", default="cli", show_default=True, help="Who counted (audit).")
def import_counts(file: Path, reason: str, actor: str) -> None:
    """Set what is on hand from FILE (sku_id,warehouse,on_hand), each SKU at each warehouse; a
    count below what orders have reserved is refused for that row and reported."""

    async def job(runtime: Runtime) -> None:
        known = {w.code: w.id for w in await runtime.get(StockQueries).warehouses()}
        rows = read_counts(file, known)
        operator = Principal(subject=actor, kind="operator", permissions=frozenset({"*"}))
        refused = 0
        with progress() as bar:
            task = bar.add_task("counting stock", total=len(rows))
            for sku_id, warehouse_id, on_hand in rows:
                count = CountStock(
                    sku_id=sku_id,
                    warehouse_id=warehouse_id,
                    on_hand=on_hand,
                    reason=reason,
                    actor=actor,
                )
                try:
                    await runtime.bus.handle(count, actor=operator)
                except DomainError as failed:  # below what is reserved: said, the rest go on
                    console.print(f"{sku_id} at {warehouse_id}: {failed.code} ({failed.message})")
                    refused += 1
                bar.advance(task)
        console.print(f"counted {len(rows) - refused} row(s); {refused} refused")

    run_with_runtime(job)


FULFILLMENT_COMMANDS = ContextCommands("fulfillment", commands=(stock,))
