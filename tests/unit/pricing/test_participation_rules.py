"""PRO-7's rules on their own: a participation needs an active promotion and room under its
limits (the total first, then the user's); a refusal names the promotion and its code."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop_domain.pricing.participation import (
    Participation,
    ParticipationRefused,
    PromotionIsActive,
    Tally,
    WithinPerUserLimit,
    WithinTotalLimit,
    admit,
    check,
)
from shop_domain.pricing.terms import PromotionLimits

P = uuid.UUID(int=0xF01)
T0 = dt.datetime(2026, 4, 2, tzinfo=dt.UTC)

counts = st.integers(min_value=0, max_value=50)
limits_ = st.none() | st.integers(min_value=1, max_value=50)


@pytest.mark.rule("PRO-7")
@given(taken=counts, limit=limits_)
def test_the_total_rule_is_broken_exactly_when_one_more_passes_the_limit(
    taken: int, limit: int | None
) -> None:
    assert WithinTotalLimit(P, taken, limit).is_broken() == (
        limit is not None and taken + 1 > limit
    )
    assert WithinPerUserLimit(P, taken, limit).is_broken() == (
        limit is not None and taken + 1 > limit
    )


@pytest.mark.rule("PRO-7")
def test_the_total_is_checked_before_the_user_limit() -> None:
    limits = PromotionLimits(per_user=1, total=3)
    with pytest.raises(ParticipationRefused) as refused:
        admit(P, limits, Tally(total=3, of_user=1))
    assert refused.value.code == "promotion.total_limit"
    assert refused.value.kind == "conflict"
    assert refused.value.details == {"promotion_id": str(P), "limit": 3}
    with pytest.raises(ParticipationRefused) as refused:
        admit(P, limits, Tally(total=2, of_user=1))
    assert refused.value.code == "promotion.per_user_limit"
    assert refused.value.details == {"promotion_id": str(P), "limit": 1}
    assert str(P) in refused.value.message
    admit(P, limits, Tally(total=2, of_user=0))  # room for one more
    admit(P, PromotionLimits(), Tally(total=10**6, of_user=10**6))  # no limits at all


@pytest.mark.rule("PRO-7")
@pytest.mark.parametrize("status", ["draft", "scheduled", "paused", "ended"])
def test_only_an_active_promotion_is_taken(status: str) -> None:
    check(PromotionIsActive(P, "active"))
    with pytest.raises(ParticipationRefused) as refused:
        check(PromotionIsActive(P, status))
    assert refused.value.code == "promotion.not_active"
    assert refused.value.details == {"promotion_id": str(P)}
    assert status in refused.value.message


def test_a_released_entry_counts_no_more_and_keeps_its_first_release() -> None:
    entry = Participation(
        promotion_id=P, user_id=uuid.uuid4(), order_id=uuid.uuid4(), recorded_at=T0
    )
    assert entry.counts
    released = entry.release(T0 + dt.timedelta(hours=1))
    assert not released.counts
    assert released.released_at == T0 + dt.timedelta(hours=1)
    assert released.release(T0 + dt.timedelta(hours=2)) == released
