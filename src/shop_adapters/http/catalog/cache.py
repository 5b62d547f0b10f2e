"""Public catalog answers kept ready to send, with an ``ETag`` and ``Cache-Control`` (ADR 0026).

Every public catalog read is answered with an ``ETag`` (a digest of the body: equal bodies, equal
tags, whatever produced them) and ``Cache-Control: public, no-cache`` (a browser or a shared
cache may keep it, and asks again before each use); a request whose ``If-None-Match`` names the
current tag gets ``304 Not Modified`` and no body.

When the read side keeps a freshness stamp
(:class:`~shop_app.catalog.queries.CatalogFreshness`: the SQL read side does), the encoded
answer is also kept in this process and sent again, without reading the catalog, while

- the stamp read for this request is the one the answer was made under: the stamp changes in
  the transaction of every catalog write, in any process, so once a change is visible to anyone
  every later request reads a new stamp and makes its answer afresh (it is read before the
  data, so an answer is never older than its stamp);
- and no listing has fallen due since (``list_at`` / ``delist_at``: what is on sale changes
  with time alone, CAT-7).

Reading the stamp is the one database read of a reused answer. Answers are kept up to
:data:`MAX_BYTES` in all, the least recently sent leaving first; a new stamp drops them all.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Final
from weakref import WeakKeyDictionary

import attrs
from litestar import Request, Response
from litestar.datastructures import ResponseHeader
from litestar.openapi import ResponseSpec

from shop_app.catalog.queries import CatalogFreshness

CACHE_CONTROL: Final = "public, no-cache"
MAX_BYTES: Final = 16 * 1024 * 1024
"""What the kept answers of one read side may weigh in all (bodies)."""
JSON: Final = "application/json"

ANSWER_HEADERS: Final = [
    ResponseHeader(
        name="ETag",
        value='"tag"',  # documentation only: the value's type gives the header its schema
        description="The answer's entity tag: send it back in `If-None-Match` to get a 304 "
        "while the answer is the same",
        documentation_only=True,
        required=True,
    ),
    ResponseHeader(
        name="Cache-Control",
        value=CACHE_CONTROL,
        description="Any cache may keep the answer, and must ask again (a conditional request) "
        "before using it",
        documentation_only=True,
        required=True,
    ),
]
"""``response_headers=`` of a public catalog read."""
NOT_MODIFIED: Final = ResponseSpec(
    data_container=None,
    description="Not Modified: the `If-None-Match` tag is the current answer's; no body",
)


@attrs.frozen
class Answer:
    """An encoded body and its entity tag (a quoted, unpadded base64url BLAKE2b-128 digest)."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> Answer:
        digest = hashlib.blake2b(body, digest_size=16).digest()
        return cls(body, '"' + base64.urlsafe_b64encode(digest).rstrip(b"=").decode() + '"')

    def response(self, if_none_match: str | None) -> Response[Any]:
        """200 with the body, or 304 when ``if_none_match`` names this answer's tag."""
        headers = {"ETag": self.etag, "Cache-Control": CACHE_CONTROL}
        if if_none_match is not None and matches(if_none_match, self.etag):
            return Response(content=b"", status_code=304, headers=headers)
        return Response(content=self.body, status_code=200, media_type=JSON, headers=headers)


def matches(if_none_match: str, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, RFC 9110 §13.1.2), or is
    ``*``."""
    wanted = if_none_match.strip()
    if wanted == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in wanted.split(","))


@attrs.frozen
class _Kept:
    answer: Answer
    since: dt.datetime
    until: dt.datetime | None


class AnswerCache:
    """The kept answers of one read side, all made under one stamp."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._stamp: int | None = None
        self._kept: OrderedDict[Hashable, _Kept] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: Hashable, stamp: int, now: dt.datetime) -> Answer | None:
        """The answer kept for ``key`` if it was made under ``stamp`` and no listing fell due
        between its making and ``now``."""
        if stamp != self._stamp:
            self.clear()
            self._stamp = stamp
            return None
        kept = self._kept.get(key)
        if kept is None:
            return None
        if now < kept.since or (kept.until is not None and now >= kept.until):
            self._drop(key)
            return None
        self._kept.move_to_end(key)
        return kept.answer

    def put(
        self,
        key: Hashable,
        stamp: int,
        answer: Answer,
        since: dt.datetime,
        until: dt.datetime | None,
    ) -> None:
        """Keep ``answer``, made at ``since`` after reading ``stamp``, until ``until`` — unless
        another request has read a newer stamp meanwhile (then it may be stale already)."""
        if stamp != self._stamp or len(answer.body) > self.max_bytes:
            return
        self._drop(key)
        self._kept[key] = _Kept(answer, since, until)
        self._bytes += len(answer.body)
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._kept)))

    def clear(self) -> None:
        self._kept.clear()
        self._bytes = 0

    def _drop(self, key: Hashable) -> None:
        kept = self._kept.pop(key, None)
        if kept is not None:
            self._bytes -= len(kept.answer.body)


Render = Callable[[], Awaitable[tuple[bytes, dt.datetime | None]]]
"""Makes an answer: its encoded body, and until when it holds if the catalog does not change
(``None``: until it changes)."""


class PublicReads:
    """The public answers of one read side: reused while its freshness stamp allows."""

    def __init__(self, queries: object) -> None:
        self._freshness = queries if isinstance(queries, CatalogFreshness) else None
        self.cache = AnswerCache()

    async def answer(
        self, request: Request[Any, Any, Any], key: Hashable, now: dt.datetime, render: Render
    ) -> Response[Any]:
        """The answer for ``key`` at ``now``: kept, or made by ``render`` (and kept)."""
        stamp = None if self._freshness is None else await self._freshness.freshness()
        answer = None if stamp is None else self.cache.get(key, stamp, now)
        if answer is None:
            body, until = await render()
            answer = Answer.of(body)
            if stamp is not None:
                self.cache.put(key, stamp, answer, now, until)
        return answer.response(request.headers.get("if-none-match"))

    async def next_listing_change(self, after: dt.datetime) -> dt.datetime | None:
        """When a listing changes by itself after ``after`` (``None`` when nothing is kept)."""
        if self._freshness is None:
            return None
        return await self._freshness.next_listing_change(after)


_reads: WeakKeyDictionary[object, PublicReads] = WeakKeyDictionary()


def public_reads(queries: object) -> PublicReads:
    """The :class:`PublicReads` of ``queries`` (one per read side, for as long as it lives)."""
    reads = _reads.get(queries)
    if reads is None:
        reads = _reads[queries] = PublicReads(queries)
    return reads


def first_after(now: dt.datetime, *moments: dt.datetime | None) -> dt.datetime | None:
    """The earliest of ``moments`` later than ``now``, if any."""
    return min((m for m in moments if m is not None and m > now), default=None)


__all__ = [
    "ANSWER_HEADERS",
    "CACHE_CONTROL",
    "NOT_MODIFIED",
    "Answer",
    "AnswerCache",
    "PublicReads",
    "first_after",
    "matches",
    "public_reads",
]
