"""Public catalog reads (SEC-1: no token needed): search, product page, trees, brands.

Shoppers see only what is on sale: search and the product page hide products that are not
listed at the runtime clock's now (CAT-7), and the front tree hides hidden categories. The back
office reads the same things, unlisted and hidden included, under ``/admin/catalog``
(:mod:`shop_adapters.http.catalog.admin`).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Final

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, Parameter
from msgspec import Meta

from shop_adapters.http.auth import PUBLIC
from shop_adapters.http.catalog.responses import (
    BrandOut,
    CategoryOut,
    FrontCategoryOut,
    ProductDetailOut,
    ProductPage,
)
from shop_adapters.http.problems import HttpProblem, problem_spec
from shop_adapters.http.schemas import (
    AMOUNT_PATTERN,
    CURRENCY_PATTERN,
    FORBIDDEN_CHARACTERS,
    text_pattern,
)
from shop_adapters.runtime import Runtime
from shop_app.catalog.ports import CatalogQueries
from shop_app.catalog.queries import MAX_PAGE_SIZE, SearchCriteria, SearchSort
from shop_domain.catalog.model import MAX_KEY_LENGTH, MAX_VALUE_LENGTH
from shop_domain.shared.money import Money

MAX_KEYWORD: Final = 200
MAX_ATTRIBUTE_FILTERS: Final = 20
MAX_PAGE: Final = 10_000
MAX_ATTRIBUTE_FILTER: Final = MAX_KEY_LENGTH + 1 + MAX_VALUE_LENGTH
_VISIBLE: Final = rf"[^\s:{FORBIDDEN_CHARACTERS}]"
ATTRIBUTE_FILTER_PATTERN: Final = (
    rf"^[^:{FORBIDDEN_CHARACTERS}]*{_VISIBLE}[^:{FORBIDDEN_CHARACTERS}]*"
    rf":[^{FORBIDDEN_CHARACTERS}]*[^\s{FORBIDDEN_CHARACTERS}][^{FORBIDDEN_CHARACTERS}]*$"
)
"""``key:value``, neither blank (the first colon ends the key)."""
AttributeFilter = Annotated[
    str, Meta(pattern=ATTRIBUTE_FILTER_PATTERN, max_length=MAX_ATTRIBUTE_FILTER)
]

NOT_FOUND: Final = problem_spec(
    "No such product, or it is not on sale (`catalog.product_not_found`)"
)


def catalog_queries(runtime: Runtime) -> CatalogQueries:
    """The runtime's read side; a runtime built without one answers 503."""
    if runtime.catalog is None:
        raise HttpProblem(503, "catalog.unavailable", "the catalog is not available")
    return runtime.catalog


def _attribute_filters(raw: list[str]) -> dict[str, str]:
    """``key:value`` filters (the pattern guarantees the colon and that neither is blank)."""
    pairs = (item.partition(":") for item in raw)
    return {key.strip(): value.strip() for key, _, value in pairs}


async def provide_search(
    keyword: Annotated[
        str | None,
        Parameter(
            max_length=MAX_KEYWORD,
            pattern=text_pattern(MAX_KEYWORD),
            description="Every whitespace-separated word must occur in the product or brand name",
        ),
    ] = None,
    category_id: Annotated[
        uuid.UUID | None,
        Parameter(description="Products in this back-end category's subtree"),
    ] = None,
    front_category_id: Annotated[
        uuid.UUID | None,
        Parameter(description="Products in the back-end categories this front category shows"),
    ] = None,
    brand_id: Annotated[uuid.UUID | None, Parameter()] = None,
    shop_id: Annotated[uuid.UUID | None, Parameter()] = None,
    attr: Annotated[
        list[AttributeFilter] | None,
        Parameter(
            max_items=MAX_ATTRIBUTE_FILTERS,
            description="Attribute filter `key:value`, repeatable (all must match)",
            # Litestar drops the item's constraints from the document; state them
            schema_extra={
                "items": {
                    "type": "string",
                    "pattern": ATTRIBUTE_FILTER_PATTERN,
                    "maxLength": MAX_ATTRIBUTE_FILTER,
                }
            },
        ),
    ] = None,
    min_price: Annotated[
        str | None,
        Parameter(
            pattern=AMOUNT_PATTERN,
            description="Not negative, in major units with at most the currency's decimals, "
            "e.g. `100.00`",
        ),
    ] = None,
    max_price: Annotated[
        str | None,
        Parameter(
            pattern=AMOUNT_PATTERN,
            description="Not negative, in major units with at most the currency's decimals, "
            "e.g. `500`",
        ),
    ] = None,
    currency: Annotated[
        str,
        Parameter(pattern=CURRENCY_PATTERN, description="Currency of the price bounds"),
    ] = "CNY",
    sort: Annotated[SearchSort, Parameter(description="Order of the hits")] = SearchSort.NEWEST,
    page: Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="1-based page")] = 1,
    page_size: Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> SearchCriteria:
    """The search query parameters (CAT-8) as :class:`SearchCriteria`. What breaks the schema
    (an unknown currency, a negative bound, a blank filter) is 400; more decimals than the
    currency has, or min > max, are 422 with the domain's code."""
    return SearchCriteria(
        keyword=keyword,
        category_id=category_id,
        front_category_id=front_category_id,
        brand_id=brand_id,
        shop_id=shop_id,
        attributes=_attribute_filters(attr or []),
        min_price=None if min_price is None else Money.of(min_price, currency),
        max_price=None if max_price is None else Money.of(max_price, currency),
        sort=sort,
        page=page,
        page_size=page_size,
    )


SEARCH_DEPENDENCIES: Final = {"search": Provide(provide_search)}


class CatalogController(Controller):
    """What shoppers see. No token needed; a presented token must be valid."""

    path = "/catalog"
    tags = ["catalog"]
    opt = dict(PUBLIC)

    @get(
        "/products",
        summary="Search products on sale",
        dependencies=SEARCH_DEPENDENCIES,
    )
    async def search(
        self,
        runtime: NamedDependency[Runtime],
        search: NamedDependency[SearchCriteria],
    ) -> ProductPage:
        page = await catalog_queries(runtime).search(search, runtime.clock.now())
        return ProductPage.of(page)

    @get(
        "/products/{product_id:uuid}",
        summary="A product page",
        responses={404: NOT_FOUND},
    )
    async def product(
        self,
        product_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
    ) -> ProductDetailOut:
        detail = await catalog_queries(runtime).product_detail(product_id, runtime.clock.now())
        return ProductDetailOut.of(detail)

    @get("/categories", summary="The back-end category tree")
    async def categories(self, runtime: NamedDependency[Runtime]) -> list[CategoryOut]:
        return [CategoryOut.of(node) for node in await catalog_queries(runtime).category_tree()]

    @get("/front-categories", summary="The visible display categories")
    async def front_categories(self, runtime: NamedDependency[Runtime]) -> list[FrontCategoryOut]:
        tree = await catalog_queries(runtime).front_category_tree()
        return [FrontCategoryOut.of(node) for node in tree]

    @get("/brands", summary="Every brand")
    async def brands(self, runtime: NamedDependency[Runtime]) -> list[BrandOut]:
        return [BrandOut.of(view) for view in await catalog_queries(runtime).brands()]


__all__ = ["SEARCH_DEPENDENCIES", "CatalogController", "catalog_queries", "provide_search"]
