"""The programme as operators set it (PTS-1..4, MEM-1..3): a document that says every rule and
reads back to the same programme, refuses whatever is wrong naming where, and revisions that
never overwrite a change made meanwhile."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop_app.loyalty.programme import CurrentProgramme, ProgrammeInForce
from shop_domain.loyalty.document import programme_document, programme_from_document
from shop_domain.loyalty.errors import InvalidProgramme
from shop_domain.loyalty.expiry import Never
from shop_domain.loyalty.programme import Programme
from shop_domain.loyalty.settings import (
    ProgrammeChanged,
    ProgrammeConflict,
    ProgrammeRevision,
    ProgrammeSettings,
)
from shop_testing.strategies.points import full_programmes

NOW = dt.datetime(2026, 12, 6, 8, tzinfo=dt.UTC)
pytestmark = [pytest.mark.rule("PTS-1"), pytest.mark.rule("MEM-1")]


@given(full_programmes())
def test_a_programmes_document_reads_back_to_the_same_programme(programme: Programme) -> None:
    document = json.loads(json.dumps(programme_document(programme)))
    assert programme_from_document(document) == programme


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key and index of a document, parents first."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*path, key))
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            found += _paths(inner, (*path, n))
    return found


WRONG = st.sampled_from([None, "x", -1, 1.5, True, [], {}, "1e400", 10**30])


@given(full_programmes(), st.data())
def test_a_document_spoiled_anywhere_is_refused_as_an_invalid_programme(
    programme: Programme, data: st.DataObject
) -> None:
    """Drop a setting, add an unknown one or put a wrong value anywhere: the answer is
    ``points.invalid_programme`` naming a field — or, when the value happens to be one the
    programme takes, a programme — never another error."""
    document = programme_document(programme)
    path = data.draw(st.sampled_from(_paths(document)))
    spoiled = copy.deepcopy(document)
    *parents, last = path
    holder = spoiled
    for key in parents:
        holder = holder[key]
    how = data.draw(st.sampled_from(["drop", "add", "replace"]))
    if how == "drop" and isinstance(holder, dict):
        del holder[last]
    elif how == "add" and isinstance(holder, dict):
        holder[f"{last}_extra"] = 1
    else:
        holder[last] = data.draw(WRONG)
    try:
        read: Programme | InvalidProgramme = programme_from_document(spoiled)
    except InvalidProgramme as refused:
        read = refused
    if isinstance(read, InvalidProgramme):
        assert (read.code, bool(read.details["field"])) == ("points.invalid_programme", True)
    else:  # only a value the programme takes (an activity named "x_extra", a share of 1…)
        assert programme_document(read) == spoiled


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("shortfall"), "shortfall"),
        (lambda d: d.update(colour="blue"), "colour"),
        (lambda d: d["earning"].update(check_in_scale=[0]), "earning"),
        (lambda d: d["checkout"].update(max_share="1.5"), "checkout"),
        (lambda d: d["checkout"].update(max_share="NaN"), "checkout.max_share"),
        (lambda d: d["levels"]["levels"][1].update(min_growth=0), "levels"),
        (lambda d: d["levels"].update(window_months=0), "levels"),
        (lambda d: d["levels"]["levels"][0].update(name=7), "levels.levels[0].name"),
        (
            lambda d: d.update(expiry={"policy": "rolling", "months": 0, "time_zone": "UTC"}),
            "expiry",
        ),
        (lambda d: d.update(expiry={"policy": "never", "years": 1}), "expiry.years"),
        (lambda d: d.update(time_zone="Mars/Olympus"), "programme"),
        (lambda d: d.update(shortfall="maybe"), "programme"),
    ],
)
def test_each_refusal_names_where_the_document_is_wrong(change: Any, field: str) -> None:
    document = programme_document(Programme())
    change(document)
    with pytest.raises(InvalidProgramme) as refused:
        programme_from_document(document)
    assert refused.value.details["field"] == field


def test_a_change_is_the_next_revision_with_who_when_why_and_the_parts_it_touched() -> None:
    settings = ProgrammeSettings.installed(Programme())
    cheaper = Programme(expiry=Never(), shortfall="negative")
    assert settings.change(
        cheaper, expected_revision=0, actor="op-1", reason="points never expire", now=NOW
    )
    assert (settings.revision, settings.changed_by, settings.reason) == (
        1,
        "op-1",
        "points never expire",
    )
    assert settings.programme == cheaper
    [revision] = settings.revisions
    assert revision == ProgrammeRevision(
        1, programme_document(cheaper), NOW, "op-1", "points never expire"
    )
    [event] = settings.pull_events()
    assert isinstance(event, ProgrammeChanged)
    assert (event.revision, event.parts) == (1, ("expiry", "shortfall"))


def test_a_change_from_a_stale_revision_is_refused_and_changes_nothing() -> None:
    settings = ProgrammeSettings.installed(Programme())
    settings.change(Programme(expiry=Never()), expected_revision=0, actor="a", reason="r", now=NOW)
    settings.pull_events()
    with pytest.raises(ProgrammeConflict) as refused:
        settings.change(Programme(), expected_revision=0, actor="b", reason="r", now=NOW)
    assert refused.value.details == {"revision": 1}
    assert (settings.revision, settings.programme, settings.pending_events) == (
        1,
        Programme(expiry=Never()),
        (),
    )


def test_the_same_programme_again_writes_nothing() -> None:
    settings = ProgrammeSettings.installed(Programme())
    assert not settings.change(Programme(), expected_revision=0, actor="a", reason="r", now=NOW)
    assert (settings.revision, settings.revisions, settings.pending_events) == (0, [], ())


@pytest.mark.parametrize(
    ("actor", "reason"), [("", "why"), ("op", ""), ("op", "  "), ("op", "x" * 501)]
)
def test_a_change_names_who_made_it_and_why(actor: str, reason: str) -> None:
    settings = ProgrammeSettings.installed(Programme())
    with pytest.raises(InvalidProgramme):
        settings.change(
            Programme(expiry=Never()), expected_revision=0, actor=actor, reason=reason, now=NOW
        )
    assert settings.revision == 0


class Reads:
    def __init__(self) -> None:
        self.held: ProgrammeInForce | None = None
        self.asked = 0

    async def stored(self) -> ProgrammeInForce | None:
        self.asked += 1
        return self.held

    async def revisions(self, limit: int, before: int | None) -> list[ProgrammeRevision]:
        return []


async def test_the_programme_in_force_is_read_at_most_once_a_ttl_unless_it_changed() -> None:
    reads, clock = Reads(), [100.0]
    current = CurrentProgramme(reads, Programme(), ttl=2.0, monotonic=lambda: clock[0])
    assert await current.current() == Programme()  # none stored: the installation's
    assert (await current.in_force()).revision == 0
    reads.held = ProgrammeInForce(Programme(expiry=Never()), 1, NOW, "op", "why")
    clock[0] += 1.9
    assert await current.current() == Programme()  # within the ttl: as read
    assert reads.asked == 1
    clock[0] += 0.1
    assert await current.current() == Programme(expiry=Never())
    reads.held = ProgrammeInForce(Programme(), 2, NOW, "op", "back")
    current.invalidate()
    assert (await current.in_force()).revision == 2
    assert reads.asked == 3
