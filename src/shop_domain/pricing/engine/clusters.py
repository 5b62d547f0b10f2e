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
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence

import attrs

from shop_domain.pricing.engine.plan import LEVEL_INDEX, LEVELS, Offer, Problem, State, offer_order
from shop_domain.pricing.kinds.base import AddOnOffer, GiftGrant
from shop_domain.pricing.promotion import Level

Choice = dict[tuple[str, Level], uuid.UUID]
"""The promotion each line of a cluster takes at a level (a line not named takes none)."""

FOLD_LIMIT = 16
"""The most choices a folded cluster may have."""

Options = Callable[[str, Level], list[uuid.UUID | None]]

_READ_LATER = (GiftGrant, AddOnOffer)
"""Effects the rest of a plan reads after the bundle level besides amounts."""


_Step = tuple[Offer, tuple[str, ...]]

Steps = tuple[_Step, ...]
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
    joinable: Mapping[Offer, tuple[str, ...]],
) -> list[list[Cluster]]:
    """The clusters of each level of :data:`LEVELS` (``picks``: the promotions the customer
    picked, on in every choice; ``joinable``: the lines each offer may take), bundle clusters
    folded into the item level where their choices stay few."""
    offers, fits = problem.offers, problem.fits
    lines = [line.line_id for line in problem.lines if line.add_on_of is None]
    items: dict[str, list[tuple[Choice, _Step | None]]] = {}
    """Each line's item choices, each with its step (None: it takes nothing)."""
    for line_id in lines:
        key = (line_id, Level.ITEM)
        if fits.get(key):
            items[line_id] = [
                ({key: o}, (offers[o], (line_id,))) if o is not None else ({}, None)
                for o in options(line_id, Level.ITEM)
            ]
    bundles, *levels = [_groups(problem, level, picks, options, joinable) for level in LEVELS[1:]]
    item_level: list[Cluster] = []
    bundle_level: list[Cluster] = []
    folded: set[str] = set()
    for choices, steps, own in bundles:
        per_line = [items.get(line_id, _TAKES_NONE) for line_id in own]
        product = len(choices)
        for line_options in per_line:
            product *= len(line_options)
        if product > FOLD_LIMIT:
            bundle_level.append(Cluster(tuple(choices), own, True, tuple(steps)))
            continue
        # an item choice per line, then a bundle choice: the item steps (each its own line's
        # promotion, one step for the lines that take the same one) act first, by id
        joined: list[Choice] = []
        joined_steps: list[Steps] = []
        parts: list[tuple[Choice, Steps]]
        if len(own) == 1:  # the common case: a line's item choice is the part
            parts = [(part, (step,) if step is not None else ()) for part, step in per_line[0]]
        else:
            parts = [_items_of(combined) for combined in itertools.product(*per_line)]
        for base, taken in parts:
            for bundle, bundle_steps in zip(choices, steps, strict=True):
                joined.append({**base, **bundle})
                joined_steps.append((*taken, *bundle_steps))
        item_level.append(Cluster(tuple(joined), own, True, tuple(joined_steps)))
        folded.update(own)
    for line_id, line_choices in items.items():
        if line_id not in folded:
            item_level.append(
                Cluster(
                    tuple(choice for choice, _ in line_choices),
                    (line_id,),
                    False,
                    tuple((step,) if step is not None else () for _, step in line_choices),
                )
            )
    order = {line_id: n for n, line_id in enumerate(lines)}
    item_level.sort(key=lambda cluster: order[cluster.lines[0]])
    return [
        item_level,
        bundle_level,
        *(
            [Cluster(tuple(choices), own, True, tuple(steps)) for choices, steps, own in level]
            for level in levels
        ),
    ]


_TAKES_NONE: list[tuple[Choice, _Step | None]] = [({}, None)]
"""The item choices of a line no item price fits."""


def _items_of(parts: Sequence[tuple[Choice, _Step | None]]) -> tuple[Choice, Steps]:
    """Item choices of several lines (in their lines' order) as one choice, with its steps:
    one per promotion, with its lines, by id (as :func:`steps_of` orders them)."""
    choice: Choice = {}
    taken: list[_Step] = []
    for part, step in parts:
        if step is not None:
            choice.update(part)
            taken.append(step)
    if len(taken) < 2:
        return choice, tuple(taken)
    by_offer: dict[Offer, list[str]] = {}
    for offer, (line_id,) in taken:
        by_offer.setdefault(offer, []).append(line_id)
    found = [(offer, tuple(line_ids)) for offer, line_ids in by_offer.items()]
    found.sort(key=lambda step: step[0].id.int)
    return choice, tuple(found)


def _lines_of(choices: Sequence[Choice]) -> tuple[str, ...]:
    return tuple(sorted({i for choice in choices for i, _ in choice}))


def _groups(
    problem: Problem,
    level: Level,
    picks: Collection[uuid.UUID | None],
    options: Options,
    joinable: Mapping[Offer, tuple[str, ...]],
) -> list[tuple[list[Choice], list[Steps], tuple[str, ...]]]:
    """The clusters of a level above the item level: promotions that share lines, joined (in
    the order of their first promotion's id; each group's promotions by id), each with its
    choices, their steps and its lines."""
    offers = sorted(
        (o for o in problem.offers.values() if o.level is level and joinable[o]),
        key=offer_order,
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
        for line_id in joinable[o]:
            other = owner.setdefault(line_id, n)
            if other != n:
                parent[root(n)] = root(other)
    groups: dict[int, list[Offer]] = {}
    for n, o in enumerate(offers):
        groups.setdefault(root(n), []).append(o)
    found = []
    for group in groups.values():
        if len(group) == 1:  # the common case: on (with every line it may take) or off
            (only,) = group
            own = tuple(sorted(set(joinable[only])))
            whole: Choice = {(i, level): only.id for i in own}
            step: Steps = ((only, own),)
            if picks and only.id in picks:
                found.append(([whole], [step], own))
            else:
                found.append(([whole, {}], [step, ()], own))
        else:
            choices = _choices(level, group, picks, options, joinable)
            steps = [steps_of(problem, choice) for choice in choices]
            found.append((choices, steps, _lines_of(choices)))
    return found


def _choices(
    level: Level,
    group: list[Offer],
    picks: Collection[uuid.UUID | None],
    options: Options,
    joinable: Mapping[Offer, tuple[str, ...]],
) -> list[Choice]:
    """Every way the promotions of ``group`` may take their lines: each on or off (on when a
    line picked it — its only option), and a line that several promotions on fit takes one."""
    lines = sorted({i for o in group for i in joinable[o]})
    ids = [o.id for o in group]
    picked = {o for o in picks if o in ids}
    found: list[Choice] = []
    free = [o for o in ids if o not in picked]
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
    groups: dict[uuid.UUID, list[str]] = {}
    for (line_id, _), promotion_id in choice.items():
        groups.setdefault(promotion_id, []).append(line_id)
    offers = problem.offers
    found = [(offers[promotion_id], tuple(line_ids)) for promotion_id, line_ids in groups.items()]
    if len(found) > 1:
        found.sort(key=lambda step: (LEVEL_INDEX[step[0].level], step[0].id.int))
    return tuple(found)


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


__all__ = ["FOLD_LIMIT", "Choice", "Cluster", "Steps", "build", "future", "steps_of"]
