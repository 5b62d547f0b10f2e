"""Business rules of coupons as objects, each testable on its own.

The claim rules are checked in the order CPN-2 gives: the template can be claimed now, quantity
remains, the per-user limit, then the per-user-per-day limit.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from shop_domain.coupons.errors import PointsExchangeUnavailable


@attrs.frozen
class TemplateIsActive:
    """Nothing is handed out from a draft, paused or ended template."""

    code: ClassVar[str] = "coupon.not_active"
    kind: ClassVar[str] = "conflict"
    state: str

    def is_broken(self) -> bool:
        return self.state != "active"

    def message(self) -> str:
        return f"the coupon template is {self.state}, not active"


@attrs.frozen
class InsideClaimWindow:
    code: ClassVar[str] = "coupon.outside_claim_window"
    kind: ClassVar[str] = "conflict"
    inside: bool

    def is_broken(self) -> bool:
        return not self.inside

    def message(self) -> str:
        return "the coupon cannot be claimed at this time"


@attrs.frozen
class TemplateIsClaimable:
    """CPN-3: issue-only templates cannot be claimed."""

    code: ClassVar[str] = "coupon.issue_only"
    kind: ClassVar[str] = "conflict"
    claimable: bool

    def is_broken(self) -> bool:
        return not self.claimable

    def message(self) -> str:
        return "this coupon is only given out by the shop; it cannot be claimed"


@attrs.frozen
class TemplateIsIssuable:
    code: ClassVar[str] = "coupon.claim_only"
    kind: ClassVar[str] = "conflict"
    issuable: bool

    def is_broken(self) -> bool:
        return not self.issuable

    def message(self) -> str:
        return "this coupon is only claimed by users; it cannot be issued"


@attrs.frozen
class ValidityNotOver:
    """A coupon that could never be used is not handed out."""

    code: ClassVar[str] = "coupon.validity_over"
    kind: ClassVar[str] = "conflict"
    over: bool

    def is_broken(self) -> bool:
        return self.over

    def message(self) -> str:
        return "the coupon's validity has ended"


@attrs.frozen
class QuantityRemains:
    """CPN-2/CPN-3: the issued count never exceeds the total."""

    code: ClassVar[str] = "coupon.sold_out"
    kind: ClassVar[str] = "conflict"
    issued: int
    total: int
    wanted: int = 1

    def is_broken(self) -> bool:
        return self.issued + self.wanted > self.total

    def message(self) -> str:
        return "no coupons of this kind are left"


@attrs.frozen
class WithinPerUserLimit:
    code: ClassVar[str] = "coupon.per_user_limit"
    kind: ClassVar[str] = "conflict"
    held: int
    limit: int | None

    def is_broken(self) -> bool:
        return self.limit is not None and self.held >= self.limit

    def message(self) -> str:
        return f"you already have the most of this coupon allowed ({self.limit})"


@attrs.frozen
class WithinDailyLimit:
    code: ClassVar[str] = "coupon.per_user_daily_limit"
    kind: ClassVar[str] = "conflict"
    today: int
    limit: int | None

    def is_broken(self) -> bool:
        return self.limit is not None and self.today >= self.limit

    def message(self) -> str:
        return f"you have taken the most of this coupon allowed today ({self.limit})"


@attrs.frozen
class AcquisitionIsFree:
    """Points-priced coupons are exchanged through the loyalty context, not claimed free."""

    code: ClassVar[str] = PointsExchangeUnavailable.code
    kind: ClassVar[str] = PointsExchangeUnavailable.kind
    points: int

    def is_broken(self) -> bool:
        return self.points > 0

    def message(self) -> str:
        return f"this coupon costs {self.points} points and is exchanged, not claimed"


@attrs.frozen
class AcquisitionIsForPoints:
    """Only a coupon priced in points is exchanged for points (a free one is claimed)."""

    code: ClassVar[str] = PointsExchangeUnavailable.code
    kind: ClassVar[str] = PointsExchangeUnavailable.kind
    points: int

    def is_broken(self) -> bool:
        return self.points <= 0

    def message(self) -> str:
        return "this coupon is free: claim it instead"


@attrs.frozen
class CodesWithinTotal:
    """Unique codes never outnumber the coupons that can be issued."""

    code: ClassVar[str] = "coupon.codes_exceed_total"
    kind: ClassVar[str] = "conflict"
    reserved: int
    wanted: int
    total: int

    def is_broken(self) -> bool:
        return self.reserved + self.wanted > self.total

    def message(self) -> str:
        left = self.total - self.reserved
        return f"only {left} more codes fit in the template's total of {self.total}"


@attrs.frozen
class OneCouponPerTemplateOnOrder:
    """Two coupons of the same template never go on one order."""

    code: ClassVar[str] = "coupon.same_template_twice"
    kind: ClassVar[str] = "conflict"
    template_ids: tuple[object, ...]

    def is_broken(self) -> bool:
        return len(set(self.template_ids)) != len(self.template_ids)

    def message(self) -> str:
        return "an order takes at most one coupon of each kind"


@attrs.frozen
class StackingAllowed:
    """CPN-8: a non-stackable coupon is never combined with another coupon."""

    code: ClassVar[str] = "coupon.not_stackable"
    kind: ClassVar[str] = "conflict"
    count: int
    all_stackable: bool

    def is_broken(self) -> bool:
        return self.count > 1 and not self.all_stackable

    def message(self) -> str:
        return "a coupon that does not stack cannot be combined with another coupon"
