"""The load generator of ``benchmarks/http_reads.py``, run by it in a process of its own.

``--spec`` (JSON: port, path, expected body in base64, connections, seconds) opens that many
keep-alive HTTP/1.1 connections to 127.0.0.1, each sending the same GET again and again with one
request in flight, reads each answer by its ``Content-Length``, and counts an answer good only
when it is a 200 with exactly the expected body. It prints, as JSON: the good answers completed
before the deadline (the rate, as wrk counts), errors, every good answer's latency, its own CPU
seconds and the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import time
from typing import Any

import attrs

HOST = "127.0.0.1"


class _Connection(asyncio.Protocol):
    """One keep-alive connection sending the same GET again and again until the deadline."""

    def __init__(self, request: bytes, expected: bytes, deadline: float, tally: _Tally) -> None:
        self.request = request
        self.expected = expected
        self.deadline = deadline
        self.tally = tally
        self.buffer = bytearray()
        self.head_end = -1
        self.length = -1
        self.sent = 0.0
        self.finished = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        self.sent = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        if self.head_end < 0:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[:end]).lower()
            marker = head.find(b"\r\ncontent-length:")
            if marker < 0:
                self._fail(f"no Content-Length: {head[:200]!r}")
                return
            self.head_end = end + 4
            stop = head.find(b"\r\n", marker + 2)
            self.length = int(head[marker + 17 : stop if stop >= 0 else len(head)])
        if len(buffer) < self.head_end + self.length:
            return
        now = time.perf_counter()
        ok = buffer[9:12] == b"200" and buffer[self.head_end :] == self.expected
        self.tally.record(now - self.sent, ok, bytes(buffer[:120]))
        self.tally.head = self.tally.head or self.head_end
        if ok and now < self.deadline:
            self.tally.in_time += 1
        buffer.clear()
        self.head_end = self.length = -1
        if now < self.deadline:
            self._send()
        else:
            self.close()

    def _fail(self, reason: str) -> None:
        self.tally.record(time.perf_counter() - self.sent, False, reason.encode())
        self.close()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        if not self.finished.done():
            self.finished.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.finished.done():
            self.tally.record(time.perf_counter() - self.sent, False, b"connection lost")
            self.finished.set_result(None)


@attrs.define
class _Tally:
    latencies: list[float] = attrs.Factory(list)
    errors: int = 0
    in_time: int = 0
    """Good answers completed before the deadline: they make the rate (as wrk counts)."""
    first_error: str = ""
    head: int = 0
    """Bytes of a response's status line and headers (with the blank line)."""

    def record(self, latency: float, ok: bool, sample: bytes) -> None:
        if ok:
            self.latencies.append(latency)
        else:
            self.errors += 1
            self.first_error = self.first_error or sample.decode("latin-1")


async def _generate(spec: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    request = (
        f"GET {spec['path']} HTTP/1.1\r\nHost: {HOST}:{spec['port']}\r\n"
        "Accept: application/json\r\n\r\n"
    ).encode()
    expected = base64.b64decode(spec["expected"])
    tally = _Tally()
    cpu = time.process_time()
    started = time.perf_counter()
    deadline = started + spec["seconds"]
    connections = []
    for _ in range(spec["connections"]):
        _, protocol = await loop.create_connection(
            lambda: _Connection(request, expected, deadline, tally), HOST, spec["port"]
        )
        connections.append(protocol)
    waiting = [c.finished for c in connections]
    await asyncio.wait(waiting, timeout=spec["seconds"] + 30.0)
    for connection in connections:  # a hung server: what is still in flight is an error
        if not connection.finished.done():
            tally.record(time.perf_counter() - connection.sent, False, b"no answer in 30 s")
            connection.close()
    wall = time.perf_counter() - started
    return {
        "requests": tally.in_time,
        "errors": tally.errors,
        "first_error": tally.first_error,
        "head": tally.head,
        "seconds": spec["seconds"],
        "wall": wall,
        "cpu": time.process_time() - cpu,
        "latencies": tally.latencies,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", required=True, help="JSON: port, path, expected, ...")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(_generate(json.loads(args.spec)))))


if __name__ == "__main__":
    main()
