"""Warehouses and the regions they serve (STK-1, FUL-1).

Regions are the six-digit administrative codes of China (province ``PP0000``, city
``PPCC00``, district ``PPCCDD``). A warehouse serving a province serves every city and district
in it; one serving a city, every district in that city. :func:`region_prefix` is the part of a
code that says where it is (``310000`` → ``31``, ``310100`` → ``3101``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, Final

import attrs

from shop_domain.fulfillment.errors import InvalidStock
from shop_domain.shared.aggregate import Aggregate

CODE_MAX: Final = 32
NAME_MAX: Final = 200
MAX_REGIONS: Final = 4000


def region_prefix(code: Any) -> str:
    """The prefix a six-digit region code stands for (``310000`` → ``31``)."""
    if not isinstance(code, str) or len(code) != 6 or not code.isascii() or not code.isdigit():
        raise InvalidStock(f"a region is a six-digit code such as 310104, not {code!r}")
    if code[:2] == "00":
        raise InvalidStock(f"{code} names no province")
    if code[2:] == "0000":
        return code[:2]
    if code[4:] == "00":
        return code[:4]
    return code


def _regions(value: Any) -> frozenset[str]:
    regions = frozenset(value)
    if not 1 <= len(regions) <= MAX_REGIONS:
        raise InvalidStock(f"a warehouse serves 1 to {MAX_REGIONS} regions")
    for region in regions:
        region_prefix(region)
    return regions


def regions_serve(regions: Iterable[str], region: str) -> bool:
    """Whether served ``regions`` cover an address in ``region`` (a province serves its cities
    and districts, a city its districts)."""
    wanted = region_prefix(region)
    return any(wanted.startswith(region_prefix(served)) for served in regions)


@attrs.define(slots=False, eq=False)
class Warehouse(Aggregate):
    code: str
    name: str
    regions: frozenset[str] = attrs.field(converter=_regions)
    active: bool = True

    @classmethod
    def new(cls, *, id: uuid.UUID, code: str, name: str, regions: Any) -> Warehouse:
        code = code.strip() if isinstance(code, str) else ""
        name = name.strip() if isinstance(name, str) else ""
        if not 0 < len(code) <= CODE_MAX or not code.isascii() or not code.isprintable():
            raise InvalidStock(f"a warehouse code is 1 to {CODE_MAX} printable ASCII characters")
        if not 0 < len(name) <= NAME_MAX:
            raise InvalidStock(f"a warehouse name is 1 to {NAME_MAX} characters")
        return cls(id=id, code=code, name=name, regions=regions)

    def serves(self, region: str) -> bool:
        """Whether an address in ``region`` (a district, city or province code) is served."""
        return self.active and regions_serve(self.regions, region)

    def close(self) -> None:
        self.active = False


__all__ = ["Warehouse", "region_prefix", "regions_serve"]
