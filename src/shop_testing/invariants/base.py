"""What every invariant check shares: the error it raises and how it gathers what it found.

A check reads a runtime after the fact and raises :class:`InvariantBroken` listing *every*
breach it found (not only the first), each naming the aggregate and the numbers that disagree,
so a failing property test says what is wrong without a debugger.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs


class InvariantBroken(AssertionError):
    """An invariant does not hold. ``findings`` lists each breach in words; ``check`` names the
    check that found them. An ``AssertionError``, so pytest and hypothesis report it as a failed
    test, with the message."""

    def __init__(self, check: str, findings: Iterable[str]) -> None:
        self.check = check
        self.findings = tuple(findings)
        lines = "\n".join(f"  - {finding}" for finding in self.findings)
        super().__init__(f"{check}: {len(self.findings)} breach(es)\n{lines}")


@attrs.define
class Findings:
    """Breaches gathered by one check; :meth:`raise_if_any` ends the check.

    >>> found = Findings("coupon books")
    >>> found.expect(3 <= 2, "template T issued 3 of a total of 2")
    >>> found.raise_if_any()
    Traceback (most recent call last):
    ...
    shop_testing.invariants.base.InvariantBroken: coupon books: 1 breach(es)
      - template T issued 3 of a total of 2
    """

    check: str
    found: list[str] = attrs.field(factory=list)

    def expect(self, holds: bool, breach: str) -> None:
        """Note ``breach`` unless ``holds``."""
        if not holds:
            self.found.append(breach)

    def add(self, breach: str) -> None:
        self.found.append(breach)

    def raise_if_any(self) -> None:
        if self.found:
            raise InvariantBroken(self.check, self.found)


@attrs.frozen
class Recorded:
    """A change the database records (a coupon claimed, a card spent) and the integration event
    type that must be in the outbox for it (``aggregate_id``'s event of ``event_type``). A
    context's invariant module lists its recorded changes; the outbox check finds an event for
    each."""

    aggregate_type: str
    aggregate_id: str
    event_type: str
    what: str
    """The change in words, for the message when its event is missing."""


__all__ = ["Findings", "InvariantBroken", "Recorded"]
