"""A collection an aggregate was loaded without (``Unread``): every use raises at once, so a
command that needed what was not read fails loudly instead of seeing nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shop_domain.shared.unread import Unread, UnreadCollection

USES: dict[str, Callable[[list[Any]], Any]] = {
    "iterate": lambda lines: next(iter(lines)),
    "list": list,
    "len": len,
    "truth": bool,
    "index": lambda lines: lines[0],
    "slice": lambda lines: lines[1:],
    "contains": lambda lines: 1 in lines,
    "equal": lambda lines: lines == [],
    "append": lambda lines: lines.append(1),
    "extend": lambda lines: lines.extend([1]),
    "sum": sum,
    "sorted": sorted,
}


@pytest.mark.parametrize("use", USES.values(), ids=USES.keys())
def test_every_use_of_what_was_not_read_raises(use: Callable[[list[Any]], Any]) -> None:
    with pytest.raises(UnreadCollection, match="the lines were not read"):
        use(Unread("the lines"))


def test_it_says_what_it_stands_for() -> None:
    assert repr(Unread("orders.lines")) == "<orders.lines: not read>"
