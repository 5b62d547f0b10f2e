"""Public catalog reads over HTTP: the real service against a trivial Litestar handler.

Two URLs a shopper's browser asks for most: the product list (``GET /catalog/products``, the
demo catalog's three products on sale) and one product page (``GET /catalog/products/{id}``).
``ours`` is the real service, ``shop serve`` (uvicorn, one process) started as a subprocess on a
database seeded with ``shop demo-data``: routing, the query parameters' validation, the
runtime's read side, the response schema, the access log. The catalog does not change during a
run, so after its first answer ours sends its kept answer again, reading only the catalog's
freshness stamp per request (ADR 0026), as it would for a busy shop front between two catalog
changes; its answers carry ``ETag`` and ``Cache-Control`` (hence more header bytes than the
baseline's). The generator sends no ``If-None-Match``: every answer is a full 200. The baseline is a
trivial Litestar app under uvicorn (one process, the same uvicorn settings as ``shop serve``)
whose two handlers, on the same paths, return the very bytes that ours answered for each URL
(fetched once from ours before the measurement). Both run at the same time on loopback; the
load goes to one of them at a time.

The load generator is a third process (``benchmarks/http_load.py``): ``--connections`` keep-
alive HTTP/1.1 connections (asyncio protocols, one request in flight per connection, the next
sent when the answer is complete, responses framed by their ``Content-Length``), each measuring
every request's latency, for a fixed time per round. Any answer that is not ``200`` with exactly
the expected body counts as an error; errors must be 0 (the script exits 1 otherwise). The rate
counts the good answers completed within the round's time (as wrk does); the latencies are every
good answer's. The generator costs CPU on this 2-core machine (its busy share of one core is
printed: near 100% would mean that it, not the server, set the pace), but both sides are loaded
by the same generator in the same run, so the ratio is fair; if anything it errs in ours'
favour, since the generator takes more CPU from the machine the faster a server answers.
Absolute rates are lower than wrk's (written in C) would be; the ratio is what counts.

Per backend (SQLite file in a temporary folder; a fresh PostgreSQL database, created and
dropped on ``SHOP_BENCH_POSTGRES_URL``) and URL: requests per second (median of the rounds),
p50, p99 and max latency (over every request of the rounds), errors, and
``ratio = ours / trivial``. Rounds alternate which side goes first. The issue-10 target is
ratio ≥ 0.3 and p99 ≤ 4× p50 at 16 connections.

    .venv/bin/python benchmarks/http_reads.py [--connections 16] [--seconds 5] [--rounds 3]
        [--backends sqlite,postgresql]

``shop`` is the entry point beside the running interpreter (``.venv/bin/shop``), so a checkout
with another ``PYTHONPATH`` benchmarks its own sources.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib.util
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import attrs
import uvicorn
from bench_db import ADMIN_URL, admin_sql
from litestar import Litestar, MediaType, Response, get

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
SHOP = Path(sys.executable).with_name("shop")  # the running environment's entry point
LOAD_GENERATOR = Path(__file__).resolve().parent / "http_load.py"
READY_SECONDS = 60.0
LIST_PATH = "/catalog/products"
TARGET_RATIO = 0.3
TARGET_TAIL = 4.0


# --- the trivial side (run as a subprocess: --role trivial) ----------------------------------


def _serve_trivial(bodies_file: str, port: int) -> None:
    """A Litestar app whose handlers return the recorded bodies, under uvicorn as ``shop serve``
    runs it (one process, ``log_level="info"``, so with the access log)."""
    recorded = json.loads(Path(bodies_file).read_text())
    listing = base64.b64decode(recorded[LIST_PATH])
    pages = {
        path.rsplit("/", 1)[1]: base64.b64decode(body)
        for path, body in recorded.items()
        if path != LIST_PATH
    }

    @get(LIST_PATH)
    async def products() -> Response[bytes]:
        return Response(listing, media_type=MediaType.JSON)

    @get(LIST_PATH + "/{product_id:uuid}")
    async def product(product_id: uuid.UUID) -> Response[bytes]:
        return Response(pages[str(product_id)], media_type=MediaType.JSON)

    app = Litestar([products, product])
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="info"))
    asyncio.run(server.serve())


# --- orchestration -------------------------------------------------------------------------


@attrs.frozen
class Round:
    """One load run of one side and URL, as the generator saw it."""

    requests: int
    """Good answers completed within ``seconds``."""
    errors: int
    first_error: str
    head: int
    seconds: float
    wall: float
    """Until the last answer in flight at the deadline came back."""
    cpu: float
    """The generator's CPU seconds."""
    latencies: list[float]
    """Every good answer's, those after the deadline included."""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


@attrs.frozen
class Target:
    side: str
    port: int
    path: str
    expected: bytes


def _load(target: Target, connections: int, seconds: float) -> Round:
    spec = {
        "port": target.port,
        "path": target.path,
        "expected": base64.b64encode(target.expected).decode(),
        "connections": connections,
        "seconds": seconds,
    }
    done = subprocess.run(
        [sys.executable, str(LOAD_GENERATOR), "--spec", json.dumps(spec)],
        capture_output=True,
        check=False,
        timeout=seconds + 60.0,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed:\n{done.stderr.decode()}")
    return Round(**json.loads(done.stdout))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _get(port: int, path: str) -> bytes:
    with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=10) as response:
        body: bytes = response.read()
        return body


def _wait_ready(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Until the server answers the product list (or exits, or takes too long)."""
    url = f"http://{HOST}:{port}{LIST_PATH}"
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{url}: the server exited ({process.returncode}):\n{log.read_text()}"
            )
        try:
            _get(port, LIST_PATH)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"{url}: not ready after {READY_SECONDS:.0f} s:\n{log.read_text()}")


@contextmanager
def _process(
    argv: Sequence[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A server subprocess (its own process group, output to ``log``), always ended."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def _service_env(url: str, folder: Path) -> dict[str, str]:
    """The real service's settings: the benchmark's database, every file in ``folder``."""
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    return {
        **os.environ,
        "SHOP_DATABASE_URL": url,
        "SHOP_MIGRATE_ON_START": "0",  # migrated by this script
        "SHOP_JWT_SECRET": secrets.token_urlsafe(48),
        "SHOP_JWT_SECRET_FILE": str(folder / "jwt.secret"),
        "SHOP_GIFTCARD_KEYS": f"bench:{key}",
        "SHOP_GIFTCARD_KEY_FILE": str(folder / "giftcard.keys"),
        "SHOP_SMS": "memory",
        "SHOP_SMS_FILE": str(folder / "sms.log"),
        "SHOP_EXPORT_DIR": str(folder / "exports"),
    }


@contextmanager
def _database(backend: str, folder: Path) -> Iterator[str]:
    """A fresh, migrated database URL; a PostgreSQL one is dropped at the end."""
    from sqlalchemy.engine import make_url

    from shop_adapters.sql.engine import upgrade

    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'shop.db'}"
        upgrade(url)
        yield url
        return
    name = f"shop_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(admin_sql(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@attrs.frozen
class Figures:
    rounds: list[Round]

    @property
    def rate(self) -> float:
        return float(statistics.median(r.rate for r in self.rounds))

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.rounds)

    def latency(self, q: float) -> float:
        every = sorted(x for r in self.rounds for x in r.latencies)
        if not every:
            return float("nan")
        return every[min(len(every) - 1, int(q * len(every)))] * 1000

    def line(self) -> str:
        busy = statistics.median(r.cpu / r.wall for r in self.rounds)
        text = (
            f"{self.rate:8.0f} req/s  p50 {self.latency(0.5):7.2f} ms  "
            f"p99 {self.latency(0.99):7.2f} ms  max {self.latency(1.0):8.2f} ms  "
            f"errors {self.errors}  (generator busy {busy:.0%}; "
            f"{self.rounds[0].head} header bytes)"
        )
        first = next((r.first_error for r in self.rounds if r.first_error), "")
        return text + (f"\n      first error: {first!r}" if first else "")


def _bench_backend(backend: str, args: argparse.Namespace) -> list[tuple[str, Figures, Figures]]:
    """Seed, start both servers, record ours' answers, measure; everything ended on the way
    out, in reverse order: the servers, then the database, then the temporary folder."""
    with tempfile.TemporaryDirectory(prefix="shop-bench-http-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        env = _service_env(stack.enter_context(_database(backend, folder)), folder)
        seeded = subprocess.run(
            [str(SHOP), "demo-data"], env=env, capture_output=True, timeout=120, check=False
        )
        if seeded.returncode != 0:
            raise RuntimeError(f"shop demo-data failed:\n{seeded.stderr.decode()}")
        ours_port, trivial_port = _free_port(), _free_port()
        serve = [str(SHOP), "serve", f"--host={HOST}", f"--port={ours_port}"]
        shop = stack.enter_context(_process(serve, env, folder / "shop.log"))
        _wait_ready(shop, ours_port, folder / "shop.log")
        listing = _get(ours_port, LIST_PATH)
        paths = [LIST_PATH, f"{LIST_PATH}/{json.loads(listing)['items'][0]['id']}"]
        bodies = {path: _get(ours_port, path) for path in paths}
        recorded = folder / "bodies.json"
        recorded.write_text(
            json.dumps({p: base64.b64encode(b).decode() for p, b in bodies.items()})
        )
        trivial_argv = [sys.executable, __file__, "--role=trivial", f"--port={trivial_port}"]
        trivial_argv.append(f"--bodies={recorded}")
        trivial = stack.enter_context(
            _process(trivial_argv, dict(os.environ), folder / "trivial.log")
        )
        _wait_ready(trivial, trivial_port, folder / "trivial.log")
        return _measure(paths, bodies, ours_port, trivial_port, args)


def _measure(
    paths: list[str],
    bodies: dict[str, bytes],
    ours_port: int,
    trivial_port: int,
    args: argparse.Namespace,
) -> list[tuple[str, Figures, Figures]]:
    results = []
    for path in paths:
        ours = Target("ours", ours_port, path, bodies[path])
        trivial = Target("trivial", trivial_port, path, bodies[path])
        for side in (ours, trivial):
            _load(side, args.connections, args.warmup)
        runs: dict[str, list[Round]] = {"ours": [], "trivial": []}
        for number in range(args.rounds):
            order = (ours, trivial) if number % 2 == 0 else (trivial, ours)
            for side in order:
                runs[side.side].append(_load(side, args.connections, args.seconds))
        results.append((path, Figures(runs["ours"]), Figures(runs["trivial"])))
    return results


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the servers are ended on the way out
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one measured round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=1.5, help="seconds per side and URL")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--role", choices=["bench", "trivial"], default="bench", help=argparse.SUPPRESS
    )
    parser.add_argument("--bodies", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "trivial":
        _serve_trivial(args.bodies, args.port)
        return 0

    backends = [b for b in args.backends.split(",") if b]
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"  # what uvicorn picks
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    print("benchmark: public catalog reads over HTTP, the real service against a trivial handler")
    print(
        f"parameters: connections={args.connections} seconds={args.seconds:g} "
        f"rounds={args.rounds} warmup={args.warmup:g} s, demo catalog (shop demo-data), "
        f"shop serve and the trivial app each one uvicorn process ({loop} loop, {http}), "
        "load generator in its own process"
    )
    failed = False
    for backend in backends:
        for path, ours, trivial in _bench_backend(backend, args):
            ratio = ours.rate / trivial.rate
            tail = ours.latency(0.99) / ours.latency(0.5)
            shown = path if path == LIST_PATH else f"{LIST_PATH}/{{id}}"
            print(f"{backend} GET {shown}")
            print(f"  ours    {ours.line()}")
            print(f"  trivial {trivial.line()}")
            met = ratio >= TARGET_RATIO and tail <= TARGET_TAIL
            print(
                f"  ratio: {ratio:.2f}   ours p99/p50: {tail:.1f}   "
                f"(target ratio ≥ {TARGET_RATIO}, p99 ≤ {TARGET_TAIL:g}× p50: "
                f"{'met' if met else 'not met'})"
            )
            failed = failed or ours.errors > 0 or trivial.errors > 0
    if failed:
        print("errors: some answers were not 200 with the expected body")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
