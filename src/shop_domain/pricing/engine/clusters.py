"""The search's clusters: the choices of a level that touch no other cluster's lines.

At the item level a cluster is a line and the item prices that fit it (or none). At the other
levels it is a group of promotions that share lines, with every way they may share them: each
on or off, and a line that several promotions that are on fit takes one of them (PRO-5).

**Folding.** A bundle-level cluster acts only on its own lines, and those lines' item choices
are the only earlier choices it reads; so it may be decided together with them, as one item
cluster whose choices are an item choice per line followed by a bundle choice. Nothing after the
bundle level reads unit prices (but for add-on lines) or — for a line that no coupon leaving out
promoted lines covers — whether a line took a promotion; so two folded choices that leave the
same amounts are one state (a cut a set price absorbs is as good as no cut), and the search
neither branches on them nor counts them as a raise. A folded cluster is *late*: its lines'
future is read as after the bundle level. Clusters are folded while their choices stay few
(:data:`FOLD_LIMIT`).
"""

from __future__ import annotations

import itertools
import operator
import uuid
from collections.abc import Callable, Collection, Sequence

import attrs

from shop_domain.pricing.engine.plan import LEVEL_INDEX, LEVELS, Offer, Problem, State
from shop_domain.pricing.kinds.base import AddOnOffer, GiftGrant
from shop_domain.pricing.promotion import Level

Choice = dict[tuple[str, Level], uuid.UUID]
"""The promotion each line of a cluster takes at a level (a line not named takes none)."""

FOLD_LIMIT = 16
"""The most choices a folded cluster may have."""

Options = Callable[[str, Level], list[uuid.UUID | None]]

_READ_LATER = (GiftGrant, AddOnOffer)
"""Effects the rest of a plan reads after the bundle level besides amounts."""


Steps = tuple[tuple[Offer, tuple[str, ...]], ...]
"""A choice as it is applied: each promotion with its lines, level by level."""


@attrs.frozen
class Cluster:
    choices: tuple[Choice, ...]
    """Every choice; the first is the priority one — each line its best-ranked promotion,
    every promotion on (the search's first plan is made of these)."""
    lines: tuple[str, ...]
    late: bool
    """Whether what follows it reads its lines as after the bundle level (see the module)."""
    steps: tuple[Steps, ...]
    """Each choice as it is applied (:func:`steps_of`)."""


def build(
    problem: Problem,
    picks: Collection[uuid.UUID | None],
    options: Options,
    joinable: dict[tuple[uuid.UUID, Level], tuple[str, ...]],
) -> list[list[Cluster]]:
    """The clusters of each level of :data:`LEVELS` (``picks``: the promotions the customer
    picked, on in every choice), bundle clusters folded into the item level where their choices
    stay few."""
    lines = [line.line_id for line in problem.lines if line.add_on_of is None]
    items = {
        line_id: [{(line_id, Level.ITEM): o} if o is not None else {} for o in item_options]
        for line_id in lines
        for item_options in (options(line_id, Level.ITEM),)
        if problem.fits.get((line_id, Level.ITEM))
    }
    levels: list[list[list[Choice]]] = [
        _groups(problem, level, picks, options, joinable) for level in LEVELS[1:]
    ]
    item_level: list[Cluster] = []
    bundle_level: list[Cluster] = []
    folded: set[str] = set()
    for choices in levels[0]:
        own = sorted({i for choice in choices for i, _ in choice})
        product = len(choices)
        for line_id in own:
            product *= len(items.get(line_id, [{}]))
        if product > FOLD_LIMIT:
            bundle_level.append(_cluster(problem, choices, tuple(own), late=True))
            continue
        per_line = [items.get(line_id, [{}]) for line_id in own]
        joined = []
        for parts in itertools.product(*per_line):
            for bundle in choices:
                choice: Choice = {}
                for part in parts:
                    choice.update(part)
                choice.update(bundle)
                joined.append(choice)
        item_level.append(_cluster(problem, joined, tuple(own), late=True))
        folded.update(own)
    for line_id, choices in items.items():
        if line_id not in folded:
            item_level.append(_cluster(problem, choices, (line_id,), late=False))
    order = {line_id: n for n, line_id in enumerate(lines)}
    item_level.sort(key=lambda cluster: order[cluster.lines[0]])
    return [
        item_level,
        bundle_level,
        *([_cluster(problem, c, _lines_of(c), late=True) for c in level] for level in levels[1:]),
    ]


def _cluster(
    problem: Problem, choices: Sequence[Choice], lines: tuple[str, ...], *, late: bool
) -> Cluster:
    steps = tuple(steps_of(problem, choice) for choice in choices)
    return Cluster(tuple(choices), lines, late, steps)


def _lines_of(choices: Sequence[Choice]) -> tuple[str, ...]:
    return tuple(sorted({i for choice in choices for i, _ in choice}))


def _groups(
    problem: Problem,
    level: Level,
    picks: Collection[uuid.UUID | None],
    options: Options,
    joinable: dict[tuple[uuid.UUID, Level], tuple[str, ...]],
) -> list[list[Choice]]:
    """The clusters of a level above the item level: promotions that share lines, joined (in
    the order of their first promotion's id; each group's promotions by id)."""
    offers = sorted(
        (o.id for o in problem.offers.values() if o.level is level and joinable[(o.id, level)]),
        key=operator.attrgetter("int"),
    )
    parent = list(range(len(offers)))

    def root(n: int) -> int:
        while parent[n] != n:
            n = parent[n]
        return n

    owner: dict[str, int] = {}
    """A promotion each line may take, by its place in ``offers``: every other it may take is
    joined to it."""
    for n, o in enumerate(offers):
        for line_id in joinable[(o, level)]:
            other = owner.setdefault(line_id, n)
            if other != n:
                parent[root(n)] = root(other)
    groups: dict[int, list[uuid.UUID]] = {}
    for n, o in enumerate(offers):
        groups.setdefault(root(n), []).append(o)
    return [_choices(level, group, picks, options, joinable) for group in groups.values()]


def _choices(
    level: Level,
    group: list[uuid.UUID],
    picks: Collection[uuid.UUID | None],
    options: Options,
    joinable: dict[tuple[uuid.UUID, Level], tuple[str, ...]],
) -> list[Choice]:
    """Every way the promotions of ``group`` may take their lines: each on or off (on when a
    line picked it — its only option), and a line that several promotions on fit takes one."""
    if len(group) == 1:  # the common case: on (with every line it may take) or off
        (only,) = group
        lines = sorted(joinable[(only, level)])
        whole: Choice = {(i, level): only for i in lines}
        return [whole] if only in picks or not lines else [whole, {}]
    lines = sorted({i for o in group for i in joinable[(o, level)]})
    picked = {o for o in picks if o in group}
    found: list[Choice] = []
    free = [o for o in group if o not in picked]
    for size in range(len(free), -1, -1):
        for extra in itertools.combinations(free, size):
            on = picked | set(extra)
            per_line: list[list[uuid.UUID | None]] = [
                [o for o in options(line_id, level) if o in on] or [None] for line_id in lines
            ]
            for chosen in itertools.product(*per_line):
                choice = {
                    (i, level): o for i, o in zip(lines, chosen, strict=True) if o is not None
                }
                if choice not in found:
                    found.append(choice)
    return found


def steps_of(problem: Problem, choice: Choice) -> Steps:
    """The promotions of ``choice`` with their lines, in the order they act: level by level,
    then by id."""
    if len(choice) < 2:  # none, or one line's promotion
        return tuple((problem.offers[o], (line_id,)) for (line_id, _), o in choice.items())
    groups: dict[uuid.UUID, list[str]] = {}
    for (line_id, _), promotion_id in choice.items():
        groups.setdefault(promotion_id, []).append(line_id)
    offers = problem.offers
    found = [(offers[promotion_id], tuple(line_ids)) for promotion_id, line_ids in groups.items()]
    if len(found) > 1:
        found.sort(key=lambda step: (LEVEL_INDEX[step[0].level], step[0].id.int))
    return tuple(found)


def apply(problem: Problem, steps: Steps, state: State) -> None:
    """Let the promotions of a choice act on their lines in ``state`` (see :func:`steps_of`)."""
    for offer, line_ids in steps:
        problem.apply(offer, line_ids, state)


def future(
    cluster: Cluster,
    state: State,
    since: int,
    units_matter: frozenset[str],
    took_matters: frozenset[str],
) -> object:
    """What the rest of a plan reads of ``cluster``'s lines in ``state``, and of what its
    choice applied (``state.applied[since:]``): two choices with the same future are one."""
    late = cluster.late
    applied = state.applied[since:]
    if late:
        effects = tuple(
            (offer.id, taken)
            for offer, taken, outcome in applied
            if any(isinstance(e, _READ_LATER) for e in outcome.effects)
        )
    else:
        effects = tuple((offer.id, taken) for offer, taken, _ in applied)
    return (
        tuple(
            (
                state.amounts[i],
                state.units[i] if not late or i in units_matter else None,
                i in state.took if not late or i in took_matters else None,
            )
            for i in cluster.lines
        ),
        effects,
    )


__all__ = ["FOLD_LIMIT", "Choice", "Cluster", "Steps", "apply", "build", "future", "steps_of"]
