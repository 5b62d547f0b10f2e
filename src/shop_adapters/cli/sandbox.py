"""``shop sandbox-gateway``: run the sandbox payment gateway (docs/payments-gateway.md) — a
stand-in for WeChat Pay / Alipay with its books in memory, for development and tests."""

from __future__ import annotations

import click

from shop_adapters.cli.support import console
from shop_adapters.payments.signature import MIN_SECRET_LENGTH
from shop_adapters.sandbox_gateway import WECHAT_SCHEDULE, Awkwardness, SandboxConfig


def _schedule(text: str | None) -> tuple[float, ...]:
    if not text:
        return WECHAT_SCHEDULE
    try:
        steps = tuple(float(step) for step in text.split(","))
    except ValueError as exc:
        raise click.BadParameter("seconds separated by commas, e.g. 15,15,30,180") from exc
    if any(step < 0 for step in steps):
        raise click.BadParameter("no step is negative")
    return steps


@click.command("sandbox-gateway")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=int, default=8700, show_default=True, help="Port.")
@click.option(
    "--secret",
    envvar="SHOP_SANDBOX_GATEWAY_SECRET",
    help="The secret shared with the shop (SHOP_SANDBOX_GATEWAY_SECRET; at least 32 characters).",
)
@click.option(
    "--merchant",
    envvar="SHOP_SANDBOX_GATEWAY_MERCHANT",
    default="shop",
    show_default=True,
    help="The merchant id the shop signs as.",
)
@click.option(
    "--duplicates",
    type=click.IntRange(0, 10),
    default=0,
    help="Extra deliveries of each notification.",
)
@click.option(
    "--delay-ms", type=click.IntRange(0), default=0, help="Wait before a notification's first try."
)
@click.option(
    "--fail-first", type=click.IntRange(0), default=0, help="Drop the first N delivery attempts."
)
@click.option(
    "--retry-schedule",
    help="Seconds before each retry, comma-separated (default WeChat Pay's: 15,15,30,180,600,…).",
)
@click.option("--public-url", help="The sandbox's address as payers reach it (pay pages' links).")
def sandbox_gateway(
    host: str,
    port: int,
    secret: str | None,
    merchant: str,
    duplicates: int,
    delay_ms: int,
    fail_first: int,
    retry_schedule: str | None,
    public_url: str | None,
) -> None:
    """Run the sandbox payment gateway: a merchant API (signed), pay pages, and signed
    notifications retried until acknowledged. Its state lives in memory: a restart forgets it."""
    if not secret or len(secret) < MIN_SECRET_LENGTH:
        raise click.UsageError(
            f"--secret (or SHOP_SANDBOX_GATEWAY_SECRET) of at least {MIN_SECRET_LENGTH} "
            "characters is required, the same the shop is given; make one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    awkwardness = Awkwardness(
        schedule=_schedule(retry_schedule),
        delay=delay_ms / 1000,
        duplicates=duplicates,
        fail_first=fail_first,
    )
    config = SandboxConfig(
        secret=secret, merchant_id=merchant, awkwardness=awkwardness, public_url=public_url
    )
    _run(config, host, port)


def _run(config: SandboxConfig, host: str, port: int) -> None:  # pragma: no cover - a server
    import uvicorn

    from shop_adapters.sandbox_gateway import create_sandbox_app

    base = f"http://{host}:{port}"
    console.print(f"[bold]sandbox gateway[/bold] on {base}  (merchant {config.merchant_id!r})")
    console.print(
        f"  the shop: SHOP_PAYMENT_GATEWAY=sandbox SHOP_SANDBOX_GATEWAY_URL={base} "
        "SHOP_SANDBOX_GATEWAY_SECRET=<the same secret>"
    )
    uvicorn.run(create_sandbox_app(config), host=host, port=port, log_level="info")


SANDBOX_COMMANDS: tuple[click.Command, ...] = (sandbox_gateway,)
