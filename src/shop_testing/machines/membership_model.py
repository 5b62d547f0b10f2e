"""A plain model of one member (MEM-1..4) for :mod:`shop_testing.machines.membership`: growth
as a list of entries, the level as a number, and each rule stated as directly as it reads in
RULES.md.

It also plays the part the repository plays for the handlers of
:mod:`shop_app.loyalty.membership`: what a ref earned and what each key took back of it, and
the growth of the window (the gains at or after the window's start, less what was taken back
of them, whenever it was taken back). For every command it says what the handler answers and whether
the handler reaches the member at all (a repeated ref or key does not), and it keeps the events
the member must have recorded since they were last compared.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import attrs

from shop_domain.loyalty.membership import GrowthSource, LevelRules

Seen = tuple[object, ...]
"""An event as the machine compares it: ``("growth", source, ref, amount, growth_after, at)``
or ``("level", old, new, window growth, at)``."""


@attrs.frozen
class ModelEntry:
    source: GrowthSource
    ref: str
    amount: int
    at: dt.datetime
    key: str = ""
    """Set on an entry taking growth back: the key it was taken back with."""


@attrs.define
class MembershipModel:
    rules: LevelRules
    entries: list[ModelEntry] = attrs.Factory(list)
    level: int = 0
    photos: int = 0
    evaluated_at: dt.datetime | None = None
    events: list[Seen] = attrs.Factory(list)
    """What the member must have recorded since the machine last compared."""

    # --- figures -------------------------------------------------------------------------------
    @property
    def growth(self) -> int:
        """Every entry counts, over the member's whole life: growth is never spent (MEM-4)."""
        return sum(entry.amount for entry in self.entries)

    def window_growth(self, since: dt.datetime) -> int:
        """A take-back counts in the window of the gain it takes back."""
        gained_at = {(e.source, e.ref): e.at for e in self.entries if not e.key}
        return sum(e.amount for e in self.entries if gained_at[e.source, e.ref] >= since)

    def reached(self, growth: int) -> int:
        """The highest level whose growth ``growth`` reaches; the first level below zero."""
        return max(
            (level.number for level in self.rules.levels if level.min_growth <= growth), default=0
        )

    def earned(self, source: GrowthSource, ref: str) -> tuple[int, dict[str, int]]:
        """What ``ref`` earned, and what each key took back of it."""
        gained, taken = 0, {}
        for entry in self.entries:
            if (entry.source, entry.ref) != (source, ref):
                continue
            if entry.key:
                taken[entry.key] = -entry.amount
            else:
                gained += entry.amount
        return gained, taken

    def purchase_growth(self, paid: int) -> int:
        """Growth for ``paid`` minor units: whole yuan times the coefficient, rounded down."""
        return int(Fraction(paid, 100) * Fraction(self.rules.per_yuan) // 1)

    def review_growth(self, item_price: int) -> int:
        return self.rules.review if item_price >= self.rules.review_min_price else 0

    # --- commands: (the handler's answer, whether it reaches the member) -----------------------
    def earn(
        self, source: GrowthSource, ref: str, amount: int, since: dt.datetime, now: dt.datetime
    ) -> tuple[int, bool]:
        """Once per ref (MEM-2): a ref that earned answers what it earned and changes nothing.
        Photos past the first ``rules.photos`` earn nothing; one worth nothing is not counted.
        A gain that takes the window's growth to a higher level upgrades at once (MEM-3)."""
        gained, _ = self.earned(source, ref)
        if gained:
            return gained, False
        window = self.window_growth(since)
        if not amount:  # a photo worth nothing does not count among the first ones
            return 0, True
        if source is GrowthSource.PHOTO:
            if self.photos >= self.rules.photos:
                return 0, True
            self.photos += 1
        self._write(ModelEntry(source, ref, amount, now))
        if self.reached(window + amount) > self.level:
            self._level(self.reached(window + amount), window + amount, now)
        return amount, True

    def take_back(
        self, source: GrowthSource, ref: str, key: str, amount: int | None, now: dt.datetime
    ) -> tuple[int, bool]:
        """Once per key, never more than the ref has left (the whole of it when ``amount`` is
        None). The level stays until the re-evaluation (MEM-3)."""
        gained, taken = self.earned(source, ref)
        if key in taken:
            return taken[key], False
        left = gained - sum(taken.values())
        amount = left if amount is None else min(amount, left)
        if amount <= 0:
            return 0, False
        self._write(ModelEntry(source, ref, -amount, now, key))
        return amount, True

    def reevaluate(self, since: dt.datetime, now: dt.datetime) -> int:
        """Exactly the level the window's growth reaches, down as well as up (MEM-3)."""
        window = self.window_growth(since)
        if self.reached(window) != self.level:
            self._level(self.reached(window), window, now)
        self.evaluated_at = now
        return self.level

    # --- what the member records ---------------------------------------------------------------
    def _write(self, entry: ModelEntry) -> None:
        self.entries.append(entry)
        self.events.append(
            ("growth", entry.source.value, entry.ref, entry.amount, self.growth, entry.at)
        )

    def _level(self, level: int, window: int, now: dt.datetime) -> None:
        self.events.append(("level", self.level, level, window, now))
        self.level = level

    def pull_events(self) -> list[Seen]:
        events, self.events = self.events, []
        return events


__all__ = ["MembershipModel", "ModelEntry", "Seen"]
