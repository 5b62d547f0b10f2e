"""Coupon codes (CPN-4): unguessable, without look-alike characters, uniform, distinct; code
batches and one-time codes."""

from __future__ import annotations

import collections
import itertools
import uuid
from collections.abc import Callable, Iterator

import pytest
from tests.unit.coupons.coupon_builders import NOW, OTHER_USER, USER

from shop_domain.coupons import Outcome
from shop_domain.coupons.batches import BatchState, CodeBatch, UniqueCode
from shop_domain.coupons.codes import (
    ALPHABET,
    CODE_LENGTH,
    chunks,
    display,
    random_codes,
    unique_codes,
)
from shop_domain.coupons.errors import CodeNotFound
from shop_domain.shared import InvalidValue

SAMPLE = 200_000


@pytest.fixture(scope="module")
def sample() -> list[str]:
    return random_codes(SAMPLE)


def byte_source(pattern: bytes) -> Callable[[int], bytes]:
    """A deterministic source repeating ``pattern`` forever, across calls."""
    stream = itertools.cycle(pattern)

    def source(n: int) -> bytes:
        return bytes(itertools.islice(stream, n))

    return source


# --- the alphabet and the shape ---------------------------------------------------------------


@pytest.mark.rule("CPN-4")
def test_the_alphabet_has_no_look_alikes() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 31
    assert not set(ALPHABET) & set("0O1IL")
    assert set(ALPHABET) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@pytest.mark.rule("CPN-4")
def test_codes_use_only_the_alphabet_at_the_right_length(sample: list[str]) -> None:
    allowed = set(ALPHABET)
    assert len(sample) == SAMPLE
    assert all(len(code) == CODE_LENGTH for code in sample)
    assert all(set(code) <= allowed for code in sample)
    assert CODE_LENGTH == 12
    assert [len(c) for c in random_codes(3, length=6)] == [6, 6, 6]


@pytest.mark.rule("CPN-4")
def test_200k_codes_are_distinct(sample: list[str]) -> None:
    assert len(set(sample)) == SAMPLE


@pytest.mark.rule("CPN-4")
def test_every_symbol_is_equally_likely(sample: list[str]) -> None:
    """Chi-square over 2.4 million symbols, 30 degrees of freedom: the statistic averages 30
    with a standard deviation near 8; 150 is beyond 15 deviations (odds below 1e-17), while
    folding bytes 248..255 instead of rejecting them (9/256 for eight symbols) gives ~6700."""
    counts = collections.Counter("".join(sample))
    assert set(counts) == set(ALPHABET)
    expected = SAMPLE * CODE_LENGTH / len(ALPHABET)
    chi_square = sum((counts[s] - expected) ** 2 / expected for s in ALPHABET)
    assert chi_square < 150, chi_square


@pytest.mark.rule("CPN-4")
def test_every_position_is_uniform_too(sample: list[str]) -> None:
    expected = SAMPLE / len(ALPHABET)
    for position in (0, CODE_LENGTH - 1):
        counts = collections.Counter(code[position] for code in sample)
        chi_square = sum((counts[s] - expected) ** 2 / expected for s in ALPHABET)
        assert chi_square < 150, (position, chi_square)


@pytest.mark.rule("CPN-4")
def test_each_accepted_byte_maps_to_one_symbol_evenly() -> None:
    """All 248 accepted byte values, once each: every symbol comes out exactly 8 times."""
    codes = random_codes(31, length=8, source=byte_source(bytes(range(248))))
    counts = collections.Counter("".join(codes))
    assert counts == dict.fromkeys(ALPHABET, 8)


@pytest.mark.rule("CPN-4")
def test_bytes_from_248_up_are_rejected_not_folded() -> None:
    # 248..255 would be 0..7 modulo 31 — the symbols "23456789" — if they were not dropped
    pattern = bytes([248, 0, 255, 1, 250, 30, 31, 249, 62, 247])
    codes = random_codes(1, length=6, source=byte_source(pattern))
    # accepted: 0 1 30 31 62 247, that is symbols 0 1 30 0 0 30
    assert codes == ["23Z22Z"]
    assert ALPHABET[0] + ALPHABET[1] + ALPHABET[30] == "23Z"


@pytest.mark.rule("CPN-4")
def test_a_source_of_mostly_rejected_bytes_is_asked_again_until_enough() -> None:
    calls: list[int] = []
    stream: Iterator[int] = itertools.cycle([255, 254, 253, 252, 251, 250, 249, 5])

    def stingy(n: int) -> bytes:
        calls.append(n)
        return bytes(itertools.islice(stream, n))

    [code] = random_codes(1, length=12, source=stingy)
    assert code == ALPHABET[5] * 12
    assert len(calls) > 1


def test_no_codes_and_a_negative_count() -> None:
    assert random_codes(0) == []
    assert unique_codes(0) == []
    with pytest.raises(ValueError, match="negative"):
        random_codes(-1)


@pytest.mark.parametrize("length", [0, -12])
def test_a_code_has_at_least_one_character(length: int) -> None:
    with pytest.raises(ValueError, match="one character"):
        random_codes(2, length=length)
    with pytest.raises(ValueError):
        unique_codes(2, length=length)


def test_unique_codes_refuse_more_than_there_can_be() -> None:
    assert sorted(unique_codes(31, length=1)) == sorted(ALPHABET)
    with pytest.raises(ValueError, match="not 32 distinct codes"):
        unique_codes(32, length=1)


# --- uniqueness -------------------------------------------------------------------------------


@pytest.mark.rule("CPN-4")
def test_unique_codes_make_up_for_duplicates() -> None:
    calls: list[int] = []
    counter = itertools.count()

    def repeating(n: int) -> bytes:
        """The first call repeats one code; later calls count upwards."""
        calls.append(n)
        if len(calls) == 1:
            return bytes(n)  # all zeros: every code is "222222"
        return bytes(next(counter) % 248 for _ in range(n))

    codes = unique_codes(5, length=6, source=repeating)
    assert len(codes) == len(set(codes)) == 5
    assert "2" * 6 in codes
    assert len(calls) >= 2


@pytest.mark.rule("CPN-4")
def test_unique_codes_of_a_real_source_are_distinct() -> None:
    codes = unique_codes(10_000)
    assert len(set(codes)) == 10_000
    assert all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in codes)


# --- helpers ----------------------------------------------------------------------------------


def test_codes_are_displayed_in_groups_of_four() -> None:
    assert display("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"
    assert display("ABCDEF") == "ABCD-EF"


def test_chunks_add_up_to_the_total() -> None:
    assert list(chunks(25, 10)) == [10, 10, 5]
    assert list(chunks(20, 10)) == [10, 10]
    assert list(chunks(0, 10)) == []
    with pytest.raises(ValueError, match="at least one"):
        list(chunks(10, 0))


# --- batches and one-time codes ---------------------------------------------------------------


@pytest.mark.rule("CPN-4")
def test_a_batch_is_reserved_empty_and_says_what_is_missing() -> None:
    template_id = uuid.uuid4()
    batch = CodeBatch.reserve(
        id=uuid.uuid4(), template_id=template_id, requested=1000, created_by="alice", now=NOW
    )
    assert (batch.state, batch.generated, batch.missing) == (BatchState.GENERATING, 0, 1000)
    batch.generated = 400
    assert batch.missing == 600


@pytest.mark.rule("CPN-4")
@pytest.mark.parametrize("requested", [0, -3, True])
def test_a_batch_has_at_least_one_code(requested: int) -> None:
    with pytest.raises(InvalidValue):
        CodeBatch.reserve(
            id=uuid.uuid4(),
            template_id=uuid.uuid4(),
            requested=requested,
            created_by="alice",
            now=NOW,
        )


@pytest.mark.rule("CPN-4")
def test_a_one_time_code_is_redeemed_once_by_one_user() -> None:
    code = UniqueCode("ABCDEFGHJKMN", uuid.uuid4(), uuid.uuid4())
    coupon_id = uuid.uuid4()
    assert code.redeem(USER, coupon_id, NOW) is Outcome.DONE
    assert (code.redeemed_by, code.coupon_id, code.redeemed_at) == (USER, coupon_id, NOW)
    assert code.redeem(USER, uuid.uuid4(), NOW) is Outcome.ALREADY  # a retry
    assert code.coupon_id == coupon_id


@pytest.mark.rule("CPN-4")
def test_a_code_someone_else_redeemed_is_simply_invalid() -> None:
    code = UniqueCode("ABCDEFGHJKMN", uuid.uuid4(), uuid.uuid4())
    coupon_id = uuid.uuid4()
    code.redeem(USER, coupon_id, NOW)
    with pytest.raises(CodeNotFound) as info:
        code.redeem(OTHER_USER, uuid.uuid4(), NOW)
    assert info.value.code == "coupon.code_invalid"
    assert info.value.kind == "not_found"
    assert info.value.details == {}  # says nothing about why
    assert (code.redeemed_by, code.coupon_id) == (USER, coupon_id)
