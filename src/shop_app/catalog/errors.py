"""Errors the catalog's application layer raises (the domain's own are in
:mod:`shop_domain.catalog.errors`). Each code is defined here once."""

from __future__ import annotations

from shop_domain.shared.errors import InvalidValue


class InvalidSort(InvalidValue):
    code = "catalog.search.invalid_sort"


class InvalidAttributeFilters(InvalidValue):
    code = "catalog.search.invalid_attributes"


class InvalidPage(InvalidValue):
    code = "catalog.search.invalid_page"


class InvalidPageSize(InvalidValue):
    code = "catalog.search.invalid_page_size"


class InvalidPriceRange(InvalidValue):
    """A negative bound, bounds in different currencies, or ``min_price`` > ``max_price``."""

    code = "catalog.search.invalid_price_range"


class InvalidSweepLimit(InvalidValue):
    """A sweep step's ``limit`` outside 1..10000."""

    code = "catalog.invalid_limit"


__all__ = [
    "InvalidAttributeFilters",
    "InvalidPage",
    "InvalidPageSize",
    "InvalidPriceRange",
    "InvalidSort",
    "InvalidSweepLimit",
]
