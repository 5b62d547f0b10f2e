"""A state machine over one member (MEM-1..4), against :class:`MembershipModel`.

The programme is drawn: its level rules (:func:`~shop_testing.strategies.points.growth_rules`:
levels, a window, what each behaviour earns, a photo cap) and its time zone. The rules then do
what the handlers of :mod:`shop_app.loyalty.membership` do: a day's first sign-in, completed
orders, reviews of cheap and dear items and order photos earn growth, once per ref — a repeat,
which the handler answers from what the ref earned without reaching the member, is tried
often; refunds and removals take growth back once per key and never more than the ref has
left; days pass (growth leaves the window); the re-evaluation runs. Refs are drawn from a few,
so repeats and take-backs of what was earned are common.

The model plays the repository's part: it says what a ref earned and the window's growth the
member is told (:meth:`~shop_domain.loyalty.programme.Programme.growth_window_start`), from its
own entries and the clock. Each answer must be the model's; after every step the member's
entries, growth, level, photo count and last evaluation must be the model's, every event it
recorded since the last step must be one the model expected — ``GrowthChanged`` with the growth
after it, ``LevelChanged`` with the window's growth it was read off — and
:func:`~shop_testing.invariants.points.check_member_books` must hold. So: growth is the sum of
its entries and is never spent (MEM-4); a gain that takes the window to a level upgrades at once
(MEM-3); a take-back never lowers the level; the re-evaluation sets exactly the level the
window's growth reaches, down as well as up.

Extend it by subclassing: ``member_type`` (a subclass of the member, as a planted bug is), more
rules reading ``self.member`` and ``self.model`` (earning through :meth:`MemberMachine.earn`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
import zoneinfo
from typing import ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from shop_domain.loyalty.membership import (
    GrowthChanged,
    GrowthSource,
    LevelChanged,
    LevelRules,
    Member,
)
from shop_domain.loyalty.programme import Programme
from shop_domain.shared.events import DomainEvent
from shop_testing.invariants.points import check_member_books
from shop_testing.machines.membership_model import MembershipModel, ModelEntry, Seen
from shop_testing.strategies.common import NOW
from shop_testing.strategies.points import growth_rules, time_zones

ORDERS = tuple(str(uuid.UUID(int=0x0DE0 + n)) for n in range(3))
REVIEWS = tuple(str(uuid.UUID(int=0x4E0 + n)) for n in range(2))
PHOTOS = tuple(str(uuid.UUID(int=0xF070 + n)) for n in range(6))
"""More photos than the photo caps drawn (0..4), so the cap is reached."""
KEYS = ("refund-1", "refund-2", "removed")
REFS: dict[GrowthSource, tuple[str, ...]] = {
    GrowthSource.PURCHASE: ORDERS,
    GrowthSource.REVIEW: REVIEWS,
    GrowthSource.PHOTO: PHOTOS,
}


def seen(event: DomainEvent) -> Seen:
    """An event of the member as the model writes it down."""
    if isinstance(event, GrowthChanged):
        at = event.occurred_at
        return ("growth", event.source, event.ref, event.amount, event.growth_after, at)
    if isinstance(event, LevelChanged):
        return ("level", event.old_level, event.new_level, event.growth, event.occurred_at)
    return ("unexpected", type(event).__name__)


class MemberMachine(RuleBasedStateMachine):
    member_type: ClassVar[type[Member]] = Member

    def __init__(self) -> None:
        super().__init__()
        self.now = NOW
        self.programme = Programme()
        self.model = MembershipModel(self.programme.levels)
        ids = (uuid.UUID(int=0x3E3B << 64 | n) for n in itertools.count())
        self.member = self.member_type.open(id=next(ids), user_id=next(ids), now=NOW)

    @initialize(rules=growth_rules(), zone=time_zones())
    def start(self, rules: LevelRules, zone: str) -> None:
        """The programme: its level rules and the zone its days and window are read in."""
        self.programme = Programme(levels=rules, time_zone=zone)
        self.model.rules = rules

    @property
    def levels(self) -> LevelRules:
        return self.programme.levels

    def since(self) -> dt.datetime:
        return self.programme.growth_window_start(self.now)

    def earn(self, source: GrowthSource, ref: str, amount: int) -> None:
        """What a handler does with growth ``amount`` for ``ref``: the member is reached only
        when the ref earned nothing yet, and told the window's growth before it."""
        since = self.since()
        window = self.model.window_growth(since)
        expected, reached = self.model.earn(source, ref, amount, since, self.now)
        if reached:
            moved = self.member.earn(
                source, ref, amount, window_growth=window, rules=self.levels, now=self.now
            )
            assert moved == expected, f"earned {moved}; the model expected {expected}"

    # --- rules ---------------------------------------------------------------------------------
    @rule()
    def sign_in(self) -> None:
        day = self.now.astimezone(zoneinfo.ZoneInfo(self.programme.time_zone)).date()
        self.earn(GrowthSource.SIGN_IN, day.isoformat(), self.levels.sign_in)

    @rule(order=st.sampled_from(ORDERS), paid=st.integers(0, 1_000_000))
    def complete_order(self, order: str, paid: int) -> None:
        amount = self.levels.purchase(paid)
        expected = self.model.purchase_growth(paid)
        assert amount == expected, f"{paid} paid earns {amount}; the model says {expected}"
        self.earn(GrowthSource.PURCHASE, order, amount)

    @rule(review=st.sampled_from(REVIEWS), item_price=st.integers(0, 5000))
    def approve_review(self, review: str, item_price: int) -> None:
        self.earn(GrowthSource.REVIEW, review, self.model.review_growth(item_price))

    @rule(photo=st.sampled_from(PHOTOS))
    def post_photo(self, photo: str) -> None:
        self.earn(GrowthSource.PHOTO, photo, self.levels.photo)

    @rule(
        data=st.data(),
        key=st.sampled_from(KEYS),
        amount=st.one_of(st.none(), st.integers(1, 3_000)),
    )
    def take_back(self, data: st.DataObject, key: str, amount: int | None) -> None:
        """A refund or a removal: most often of something that earned."""
        earned = sorted({(e.source, e.ref) for e in self.model.entries if e.source in REFS})
        anything = [(source, ref) for source, refs in REFS.items() for ref in refs]
        often: int = data.draw(st.integers(0, 3), label="earned")
        source, ref = data.draw(
            st.sampled_from(earned if earned and often else anything), label="what"
        )
        expected, reached = self.model.take_back(source, ref, key, amount, self.now)
        if reached:
            taken = self.member.revert(source, ref, key, expected, self.now)
            assert taken == expected, f"took back {taken}; the model expected {expected}"

    @rule(days=st.integers(0, 400), hours=st.integers(0, 23))
    def pass_time(self, days: int, hours: int) -> None:
        self.now += dt.timedelta(days=days, hours=hours)

    @rule()
    def reevaluate(self) -> None:
        since = self.since()
        window = self.model.window_growth(since)
        expected = self.model.reevaluate(since, self.now)
        level = self.member.reevaluate(window, self.levels, self.now)
        assert level == expected, f"re-evaluated to {level}; the model expected {expected}"

    # --- invariants ----------------------------------------------------------------------------
    @invariant()
    def member_is_the_models(self) -> None:
        member, model = self.member, self.model
        entries = [ModelEntry(e.source, e.ref, e.amount, e.at, e.key) for e in member.entries]
        assert entries == model.entries, f"entries {entries}; the model's {model.entries}"
        assert [e.seq for e in member.entries] == list(range(1, len(entries) + 1))
        figures = (member.growth, member.level, member.photos, member.evaluated_at)
        expected = (model.growth, model.level, model.photos, model.evaluated_at)
        assert figures == expected, (
            f"growth, level, photos, evaluated at are {figures}; the model's {expected}"
        )

    @invariant()
    def events_are_the_models(self) -> None:
        events = self.member.pull_events()
        mine = [seen(event) for event in events]
        expected = self.model.pull_events()
        assert mine == expected, f"recorded {mine}; the model expected {expected}"
        for event in events:
            assert (getattr(event, "member_id", None), getattr(event, "user_id", None)) == (
                self.member.id,
                self.member.user_id,
            ), f"{event} names another member"

    @invariant()
    def books_hold(self) -> None:
        check_member_books(self.member, self.levels)


__all__ = ["KEYS", "ORDERS", "PHOTOS", "REVIEWS", "MemberMachine", "seen"]
