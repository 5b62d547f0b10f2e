"""What each choice of a cluster does to its lines, found once for each set of prices of those
lines, with what the bound reads of them (see :mod:`.bounds`).

A cluster's choices touch only its own lines, and a promotion is a pure function of the lines
it acts on; so what a choice does — the saving, the lines' prices after it, what it applied —
depends only on the prices of the cluster's lines, and is found once for each. The search
takes a choice by copying that in (:meth:`Outcomes.take`), never evaluating it again.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from shop_domain.pricing.engine import clusters as clustering
from shop_domain.pricing.engine.clusters import Cluster
from shop_domain.pricing.engine.plan import Problem, State


@attrs.frozen
class ClusterOutcomes:
    """The choices of a cluster on some prices of its lines."""

    saved: tuple[int, ...]
    """What each choice saves on the cluster's lines."""
    after: tuple[State, ...]
    """The cluster's lines after each choice (their prices, what took a promotion, what was
    applied)."""
    low_units: dict[str, int]
    low_amounts: dict[str, int]
    """Each line's lowest unit price and amount over the choices (``low``)."""
    deepest: int | None
    """The choice that saves most, when there is one (several that save as much and leave
    the same future are one); None when choices that save most differ."""
    least: int | None
    """The least a choice leaves the lines above ``low`` in all, counting only choices that
    do (None: no choice does)."""
    forced: bool
    """Whether every choice leaves some line above ``low`` (a bundle's reduction shared
    differently by each)."""
    leaving: int | None
    """With a deepest choice and others that raise: the least one of those others does."""


class Outcomes:
    def __init__(
        self,
        problem: Problem,
        clusters: Sequence[Sequence[Cluster]],
        units_matter: frozenset[str],
        took_matters: frozenset[str],
    ) -> None:
        self.problem = problem
        self.clusters = clusters
        self.units_matter = units_matter
        self.took_matters = took_matters
        self._found: dict[object, ClusterOutcomes] = {}

    def of(self, index: int, position: int, state: State) -> ClusterOutcomes:
        """The choices of cluster ``position`` of level ``index`` as ``state`` prices its
        lines."""
        cluster = self.clusters[index][position]
        key = (index, position, *state.prices(cluster.lines))
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = self._find(cluster, state)
        return found

    def take(self, index: int, position: int, option: int, state: State) -> None:
        """Let choice ``option`` of a cluster act on ``state``: what it does to the cluster's
        lines, copied in."""
        small = self.of(index, position, state).after[option]
        state.units.update(small.units)
        state.amounts.update(small.amounts)
        state.took.update(small.took)
        state.applied.extend(small.applied)
        state.ledger.extend(small.ledger)

    def future(self, cluster: Cluster, after: State) -> object:
        return clustering.future(cluster, after, 0, self.units_matter, self.took_matters)

    def _find(self, cluster: Cluster, state: State) -> ClusterOutcomes:
        lines = cluster.lines
        units = {i: state.units[i] for i in lines}
        amounts = {i: state.amounts[i] for i in lines}
        before = sum(amounts.values())
        saved, after = [], []
        apply = self.problem.apply
        unchanged: State | None = None  # what a choice of no promotion leaves (read only)
        for steps in cluster.steps:
            if not steps:
                if unchanged is None:
                    unchanged = State(units, amounts, set())
                saved.append(0)
                after.append(unchanged)
                continue
            small = State(dict(units), dict(amounts), set())
            for offer, line_ids in steps:
                apply(offer, line_ids, small)
            saved.append(before - sum(small.amounts.values()))
            after.append(small)
        low_units = {i: min([small.units[i] for small in after]) for i in lines}
        low_amounts = {i: min([small.amounts[i] for small in after]) for i in lines}
        # a choice leaves the lines above ``low`` by what it saves less than ``low`` does
        most = max(saved)
        top = [k for k, value in enumerate(saved) if value == most]
        one = len(top) == 1 or len({self.future(cluster, after[k]) for k in top}) == 1
        room = before - sum(low_amounts.values())
        overs = [room - value for value in saved]
        least = min((over for over in overs if over > 0), default=None)
        others = [over for k, over in enumerate(overs) if k not in top]
        return ClusterOutcomes(
            tuple(saved),
            tuple(after),
            low_units,
            low_amounts,
            top[0] if one else None,
            least,
            least is not None and 0 not in overs,
            min(others) if least is not None and one and others else None,
        )


__all__ = ["ClusterOutcomes", "Outcomes"]
