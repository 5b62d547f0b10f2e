"""Pages of read models, shared by every context's queries."""

from __future__ import annotations

from typing import Generic, TypeVar

import attrs

from shop_domain.shared.errors import InvalidValue

T = TypeVar("T")

MAX_PAGE_SIZE = 200


@attrs.frozen
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int  # matches over all pages
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return -(-self.total // self.page_size)


class InvalidPaging(InvalidValue):
    code = "paging.invalid"


@attrs.frozen
class PageRequest:
    page: int = 1
    page_size: int = 20

    def __attrs_post_init__(self) -> None:
        if self.page < 1 or not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise InvalidPaging(f"page starts at 1 and page_size is 1..{MAX_PAGE_SIZE}")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size
