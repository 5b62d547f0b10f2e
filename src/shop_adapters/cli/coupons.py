"""``shop coupons …``: bulk coupon work from the command line — codes, segments, expiry."""

from __future__ import annotations

import csv
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from shop_adapters.cli.support import (
    ContextCommands,
    Sweep,
    report_job,
    run_job_with_bar,
    run_with_runtime,
)
from shop_adapters.runtime import Runtime
from shop_app.coupons.commands import ExpireCoupons, IssueSegment, ReserveCodeBatch
from shop_app.coupons.results import CodeBatchStarted
from shop_app.coupons.services import CouponServices
from shop_domain.coupons.codes import display

T = TypeVar("T")

EXPIRY_STEP = 1000


def _run(job: Callable[[Runtime, CouponServices], Awaitable[T]]) -> T:
    def with_coupons(runtime: Runtime) -> Awaitable[T]:
        return job(runtime, runtime.get(CouponServices))

    return run_with_runtime(with_coupons)


@click.group()
def coupons() -> None:
    """Coupon bulk work: one-time codes, segment issuance, the expiry sweep."""


@coupons.command("generate-codes")
@click.argument("template_id", type=click.UUID)
@click.option("--count", type=click.IntRange(1), required=True, help="How many codes.")
@click.option("--by", "created_by", default="cli", show_default=True, help="Who asks (audit).")
def generate_codes(template_id: uuid.UUID, count: int, created_by: str) -> None:
    """Reserve COUNT one-time codes on TEMPLATE_ID and generate them here, with a progress bar.

    The codes are written in chunks, so memory stays flat whatever COUNT is; an interrupted run
    resumes with ``shop jobs run --job <job id>``."""

    async def job(runtime: Runtime, services: CouponServices) -> None:
        started: CodeBatchStarted = await runtime.bus.handle(
            ReserveCodeBatch(template_id=template_id, count=count, created_by=created_by)
        )
        click.echo(f"batch {started.batch_id} (job {started.job_id})")
        report_job(await run_job_with_bar(runtime, started.job_id, "generating codes", count))

    _run(job)


@coupons.command("export-codes")
@click.argument("batch_id", type=click.UUID)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="A CSV file to write (default: standard output).",
)
@click.option("--grouped", is_flag=True, help="Print codes as ABCD-EFGH-JKMN.")
def export_codes(batch_id: uuid.UUID, output: Path | None, grouped: bool) -> None:
    """Write every code of BATCH_ID as CSV, streamed chunk by chunk."""

    async def job(runtime: Runtime, services: CouponServices) -> None:
        batch = await services.queries.code_batch(batch_id)
        stream = output.open("w", newline="") if output else sys.stdout
        try:
            writer = csv.writer(stream)
            writer.writerow(["code"])
            written = 0
            chunks: AsyncIterator[list[str]] = services.queries.batch_codes(batch_id)
            async for chunk in chunks:
                writer.writerows([display(code) if grouped else code] for code in chunk)
                written += len(chunk)
        finally:
            if output:
                stream.close()
        if output:
            click.echo(f"wrote {written} of {batch.requested} codes to {output}", err=True)

    _run(job)


@coupons.command("issue-segment")
@click.argument("template_id", type=click.UUID)
@click.argument("segment", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--campaign-key", required=True, help="Issues are idempotent per (key, user).")
@click.option("--by", "issued_by", default="cli", show_default=True, help="Who issues (audit).")
def issue_segment(template_id: uuid.UUID, segment: Path, campaign_key: str, issued_by: str) -> None:
    """Issue TEMPLATE_ID to every user listed in the SEGMENT file (one user id per line, or a
    CSV whose first column is the user id), with a progress bar."""

    async def job(runtime: Runtime, services: CouponServices) -> None:
        with segment.open(encoding="utf-8") as lines:
            segment_id, users = await services.segments.stage(lines)
        command = IssueSegment(
            template_id=template_id,
            campaign_key=campaign_key,
            segment_id=segment_id,
            users=users,
            issued_by=issued_by,
        )
        try:
            job_id: uuid.UUID = await runtime.bus.handle(command)
        except BaseException:
            await services.segments.drop(segment_id)
            raise
        report_job(await run_job_with_bar(runtime, job_id, f"issuing to {users} users", users))

    _run(job)


@coupons.command("expire")
def expire() -> None:
    """Write down every coupon expiry that has happened (CPN-12); safe to run at any time."""

    async def job(runtime: Runtime, services: CouponServices) -> None:
        click.echo(f"expired {await expire_all(runtime)} coupon(s)")

    _run(job)


async def expire_all(runtime: Runtime) -> int:
    """Run the expiry sweep in steps until nothing is left to expire."""
    total = 0
    while expired := await runtime.bus.handle(ExpireCoupons(limit=EXPIRY_STEP)):
        total += expired
    return total


COUPON_COMMANDS = ContextCommands(
    "coupons", commands=(coupons,), sweeps=(Sweep("expired {n} coupon(s)", expire_all),)
)
