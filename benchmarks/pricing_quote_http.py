"""How fast is the same quote through HTTP — ``POST /pricing/quote`` on the real service —
against the library call, for a 50-line cart with 30 coupons among K live promotions?

The world is ``pricing_quote.py``'s (:class:`pricing_quote.World`, seed 7): carts of 10 lines
from each of 5 shops, a wallet of 30 coupons per cart, K promotions. Per K, a fresh database
(an SQLite file in a temporary folder, or a PostgreSQL database made and dropped on
``SHOP_BENCH_POSTGRES_URL``), migrated, is seeded in this process through a runtime of its own
(``benchmarks/pricing_quote_seed.py``):

- **the catalog**, through the catalog's commands: one root category per category of the cart
  shops' 200 SKUs, one listed product per SKU at the world's price (its sale price), in the
  world's shop. The commands make their own ids, so the world's items are then re-based on
  them (SKU, SPU and category ids; shops are the world's own): the world's promotions, carts
  and wallets are made afterwards, in those ids. The categories' ids are made to sort as the
  world's, so the promotions on the cart's goods are those ``pricing_quote.py`` makes for the
  same K (a multi-buy on a category outside the cart names a category no catalog row has);
- **the K promotions**, the world's, their windows moved to the run's moment (the service
  prices at its own clock's now), written through the promotions' repository in units of work
  with status *scheduled*, bypassing the scheduling command and its PRO-3 check — the world
  is clash-free by construction;
- **one customer per cart** (``--carts``), whose wallet holds that cart's 30 coupons: a
  template per coupon (shop 满减, category 9折 capped, platform 满减; not stackable, not
  combinable with promotions as the world says), created, activated and claimed through the
  coupons' commands. The wallet the service reads back (``SqlWalletSource``) is checked against
  the world's before any measurement.

Then ``shop serve`` (uvicorn, one process) runs on that database, and one keep-alive client
posts each cart (SKUs, quantities and line ids, never prices) with its customer's token, one
request at a time: ``--warmup`` requests, then ``--requests`` measured. Every answer must be a
200 whose payable equals the library's for the same cart, customer, wallet and promotions.
Baseline, same run, same carts and wallets: the library — the live index's candidates, then
``price``, in this process (no catalog, wallet or token read; no JSON). Per K: p50 and p99 of
both (with 30 requests the p99 is the slowest), the ratio HTTP/library at p50, and how many
quotes of each were proven best.

    .venv/bin/python benchmarks/pricing_quote_http.py [--ks 10,100,1000,10000] [--requests 30]
        [--warmup 3] [--carts 5] [--backend sqlite|postgresql]

Seeding K = 10,000 promotions takes most of a run's time. ``shop`` is the entry point beside
the running interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import decimal
import gc
import http.client
import json
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import attrs
from http_reads import HOST, SHOP, _database, _free_port, _process, _service_env, _wait_ready
from pricing_quote import CART_SHOPS, COUPONS, LINES_PER_SHOP, percentile
from pricing_quote_seed import Seeded, seed

from shop_adapters.http import mint_token
from shop_adapters.settings import Settings
from shop_domain.pricing.engine import CartLine, price
from shop_domain.pricing.live import PromotionIndex
from shop_domain.pricing.terms import Channel, CustomerFacts

REQUEST_TIMEOUT = 600.0


# --- measuring -------------------------------------------------------------------------------


@attrs.define
class Side:
    """One side's measured quotes: latencies (ms), proven-best count, payables by cart."""

    times: list[float] = attrs.Factory(list)
    proven: int = 0
    payables: dict[int, set[int]] = attrs.Factory(dict)
    sample: str = ""
    """The first cart's totals, as a reader's check that promotions and coupons applied."""

    def record(self, n: int, cart: int, ms: float, proven: bool, payable: int, warmup: int) -> None:
        self.payables.setdefault(cart, set()).add(payable)
        if n >= warmup:
            self.times.append(ms)
            self.proven += proven

    def figures(self) -> str:
        return (
            f"p50 {percentile(self.times, 0.5):.2f} ms, p99 {percentile(self.times, 0.99):.2f} ms"
        )


def _library(seeded: Seeded, channel: Channel, args: argparse.Namespace) -> Side:
    """The library: the live index's candidates for the cart, then ``price``."""
    index = PromotionIndex(seeded.promotions)
    gc.collect()
    gc.freeze()  # as an embedder does once its index is loaded, and ``shop serve`` after start
    side = Side()
    for n in range(args.warmup + args.requests):
        c = n % len(seeded.carts)
        cart, wallet = seeded.carts[c], seeded.wallets[c]
        now = dt.datetime.now(dt.UTC)
        started = time.perf_counter()
        found = index.candidates([line.item for line in cart], now, channel)
        quote = price(cart, CustomerFacts(), now, channel, found, wallet)
        ms = (time.perf_counter() - started) * 1000
        side.record(n, c, ms, quote.proven_best, quote.totals.payable.minor, args.warmup)
    return side


def _body(cart: Sequence[CartLine], channel: Channel) -> bytes:
    lines = [
        {"sku_id": str(line.item.sku_id), "quantity": line.quantity, "line_id": line.line_id}
        for line in cart
    ]
    return json.dumps({"channel": channel.value, "lines": lines}).encode()


def _minor(amount: dict[str, str]) -> int:
    assert amount["currency"] == "CNY", amount
    return int(decimal.Decimal(amount["amount"]) * 100)


def _summary(answer: dict[str, Any]) -> str:
    totals = {
        name: value["amount"] for name, value in answer["totals"].items() if name != "points_used"
    }
    return (
        f"cart 0: list {totals['list_total']}, promotions -{totals['promotion_discount']}, "
        f"{len(answer['chosen_coupons'])} coupons -{totals['coupon_discount']}, "
        f"pays {totals['payable']}"
    )


def _http(
    port: int, seeded: Seeded, settings: Settings, channel: Channel, args: argparse.Namespace
) -> tuple[Side, list[str]]:
    """One keep-alive connection, one request in flight; the failures, described."""
    tokens = [mint_token(settings, str(user), "customer") for user in seeded.customers]
    bodies = [_body(cart, channel) for cart in seeded.carts]
    side, failures = Side(), []
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        for n in range(args.warmup + args.requests):
            c = n % len(seeded.carts)
            headers = {
                "Authorization": f"Bearer {tokens[c]}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            }
            started = time.perf_counter()
            connection.request("POST", "/pricing/quote", body=bodies[c], headers=headers)
            response = connection.getresponse()
            raw = response.read()
            ms = (time.perf_counter() - started) * 1000
            if response.status != 200:
                failures.append(f"request {n}: {response.status} {raw[:300]!r}")
                continue
            answer = json.loads(raw)
            totals = answer["totals"]
            payable = _minor(totals["payable"])
            side.sample = side.sample or _summary(answer)
            side.record(n, c, ms, answer["proven_best"], payable, args.warmup)
    finally:
        connection.close()
    return side, failures


def _compare(http_side: Side, library: Side) -> list[str]:
    """Every cart's payable: one figure per side, the same on both."""
    failures = []
    for cart, figures in sorted(library.payables.items()):
        served = http_side.payables.get(cart, set())
        if len(figures) != 1 or served != figures:
            failures.append(
                f"cart {cart}: payable over HTTP {sorted(served)}, library {sorted(figures)}"
            )
    return failures


def _bench(k: int, args: argparse.Namespace, channel: Channel) -> bool:
    """Seed a fresh database for ``k``, serve it, measure both sides; True when all is well."""
    with tempfile.TemporaryDirectory(prefix="shop-bench-quote-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        env = _service_env(stack.enter_context(_database(args.backend, folder)), folder)
        seeded = asyncio.run(seed(env, k, args.carts, channel))
        port = _free_port()
        serve = [str(SHOP), "serve", f"--host={HOST}", f"--port={port}"]
        log = folder / "shop.log"
        started = time.perf_counter()
        shop = stack.enter_context(_process(serve, env, log))
        _wait_ready(shop, port, log)
        ready = time.perf_counter() - started
        library = _library(seeded, channel, args)
        served, failures = _http(port, seeded, Settings.from_env(env), channel, args)
        failures += _compare(served, library)
    ratio = percentile(served.times, 0.5) / percentile(library.times, 0.5) if served.times else 0
    print(
        f"K={k}: HTTP {served.figures() if served.times else 'no answer'}; "
        f"library {library.figures()}; HTTP/library p50 {ratio:.1f}x; "
        f"proven best HTTP {served.proven}/{len(served.times)}, "
        f"library {library.proven}/{len(library.times)}; "
        f"all 200 with the library's payable: {'yes' if not failures else 'NO'} "
        f"({len(seeded.promotions)} promotions; seeded in {seeded.seconds:.1f} s, "
        f"service ready in {ready:.1f} s)",
        flush=True,
    )
    print(f"  {served.sample}")
    for failure in failures[:5]:
        print(f"  failure: {failure}")
    return not failures


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the server is ended on the way out
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks", default="10,100,1000,10000")
    parser.add_argument("--requests", type=int, default=30, help="measured, per side and K")
    parser.add_argument("--warmup", type=int, default=3, help="requests first, per side and K")
    parser.add_argument("--carts", type=int, default=5, help="carts, each with its customer")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    channel = Channel.APP
    print("benchmark: a quote through HTTP (POST /pricing/quote, shop serve) against the library")
    print(
        f"parameters: {CART_SHOPS * LINES_PER_SHOP} lines over {CART_SHOPS} shops, {COUPONS} "
        f"coupons, {args.carts} carts (a customer each), requests {args.requests} after "
        f"{args.warmup} warm-up, one in flight, backend {args.backend}, channel {channel.value}"
    )
    ok = True
    for k in (int(v) for v in args.ks.split(",") if v):
        ok = _bench(k, args, channel) and ok
    if not ok:
        print("errors: some answers were not 200 with the library's payable")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
