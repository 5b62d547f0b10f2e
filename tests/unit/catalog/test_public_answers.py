"""Kept public catalog answers (ADR 0026): entity tags, ``If-None-Match``, and when a kept
answer may be sent again."""

from __future__ import annotations

import datetime as dt

import pytest

from shop_adapters.http.catalog.cache import (
    CACHE_CONTROL,
    Answer,
    AnswerCache,
    first_after,
    matches,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_equal_bodies_have_equal_tags_and_different_bodies_different_ones() -> None:
    assert Answer.of(b'{"a":1}').etag == Answer.of(b'{"a":1}').etag
    assert Answer.of(b'{"a":1}').etag != Answer.of(b'{"a":2}').etag
    tag = Answer.of(b"x").etag
    assert tag.startswith('"')
    assert tag.endswith('"')
    assert "," not in tag


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("{tag}", True),
        ("W/{tag}", True),  # weak comparison
        ('"other", {tag}', True),
        ('"other",W/{tag} ', True),
        ("*", True),
        ('"other"', False),
        ("", False),
        ("{bare}", False),  # unquoted is not the tag
    ],
)
def test_if_none_match(header: str, expected: bool) -> None:
    tag = Answer.of(b"body").etag
    assert matches(header.format(tag=tag, bare=tag.strip('"')), tag) is expected


def test_a_matching_tag_is_304_without_a_body_and_anything_else_200() -> None:
    answer = Answer.of(b'{"items":[]}')
    fresh = answer.response(None)
    assert fresh.status_code == 200
    assert fresh.content == b'{"items":[]}'
    assert fresh.headers["ETag"] == answer.etag
    assert fresh.headers["Cache-Control"] == CACHE_CONTROL == "public, no-cache"
    same = answer.response(answer.etag)
    assert same.status_code == 304
    assert same.content == b""
    assert same.headers["ETag"] == answer.etag
    assert answer.response('"stale"').status_code == 200


def test_a_kept_answer_is_sent_again_only_under_its_stamp() -> None:
    cache = AnswerCache()
    answer = Answer.of(b"one")
    assert cache.get("k", 7, T0) is None
    cache.put("k", 7, answer, T0, None)
    assert cache.get("k", 7, T0 + dt.timedelta(days=365)) is answer
    assert cache.get("k", 8, T0) is None  # the catalog changed
    assert cache.get("k", 7, T0) is None  # and what was kept is gone, even for the old stamp
    assert len(cache) == 0


def test_an_answer_read_under_an_older_stamp_is_not_kept() -> None:
    """A request read stamp 7, another read 8 meanwhile: the first one's answer may be older
    than what the second can see."""
    cache = AnswerCache()
    assert cache.get("a", 7, T0) is None
    assert cache.get("b", 8, T0) is None
    cache.put("a", 7, Answer.of(b"old"), T0, None)
    assert cache.get("a", 8, T0) is None


def test_a_kept_answer_holds_from_its_making_until_a_listing_falls_due() -> None:
    cache = AnswerCache()
    due = T0 + dt.timedelta(hours=1)
    answer = Answer.of(b"page")
    cache.get("k", 1, T0)
    cache.put("k", 1, answer, T0, due)
    assert cache.get("k", 1, due - dt.timedelta(microseconds=1)) is answer
    assert cache.get("k", 1, due) is None
    cache.put("k", 1, answer, T0, due)
    assert cache.get("k", 1, T0 - dt.timedelta(seconds=1)) is None  # a clock set back


def test_kept_answers_weigh_at_most_the_bound_least_recently_sent_leaving_first() -> None:
    cache = AnswerCache(max_bytes=30)
    cache.get("a", 1, T0)
    for key in "abc":
        cache.put(key, 1, Answer.of(key.encode() * 10), T0, None)
    assert len(cache) == 3
    assert cache.get("a", 1, T0) is not None  # "a" was sent last: "b" is now the oldest
    cache.put("d", 1, Answer.of(b"d" * 10), T0, None)
    assert cache.get("b", 1, T0) is None
    assert [cache.get(k, 1, T0) is not None for k in "acd"] == [True, True, True]
    cache.put("huge", 1, Answer.of(b"h" * 31), T0, None)  # heavier than the bound: not kept
    assert cache.get("huge", 1, T0) is None
    assert len(cache) == 3


def test_first_after() -> None:
    later, latest = T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=2)
    assert first_after(T0, None, latest, later, T0 - dt.timedelta(hours=1), T0) == later
    assert first_after(T0, None, T0) is None
