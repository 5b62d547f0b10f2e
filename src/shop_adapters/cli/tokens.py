"""``shop token``: a signed bearer token for the HTTP API."""

from __future__ import annotations

import click

from shop_adapters.cli.support import settings_from_env


@click.command()
@click.argument("subject")
@click.option("--operator", "kind", flag_value="operator", help="An operator (back office).")
@click.option("--customer", "kind", flag_value="customer", default=True, help="A customer.")
@click.option("--perm", "permissions", multiple=True, help="A permission; repeat; '*' = all.")
@click.option("--ttl", type=int, help="Lifetime in seconds (SHOP_JWT_TTL_SECONDS).")
def token(subject: str, kind: str, permissions: tuple[str, ...], ttl: int | None) -> None:
    """Print a JWT for SUBJECT, signed with the secret ``shop serve`` checks tokens with
    (SHOP_JWT_SECRET, else the file SHOP_JWT_SECRET_FILE, made on first use)."""
    from shop_adapters.http.auth import mint_token

    settings = settings_from_env()
    if kind == "customer" and permissions:
        raise click.UsageError("customers hold no permissions; use --operator")
    try:
        signed = mint_token(settings, subject, kind, permissions, ttl)  # type: ignore[arg-type]
    except ValueError as exc:  # an open or malformed secret file
        raise click.ClickException(str(exc)) from exc
    click.echo(signed)
