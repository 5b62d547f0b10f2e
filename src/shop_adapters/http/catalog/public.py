"""Public catalog reads (SEC-1: no token needed): search, product page, trees, brands.

Shoppers see only what is on sale: search and the product page hide products that are not
listed at the runtime clock's now (CAT-7), and the front tree hides hidden categories. The back
office reads the same things, unlisted and hidden included, under ``/admin/catalog``
(:mod:`shop_adapters.http.catalog.admin`).

Every answer here carries an ``ETag`` and ``Cache-Control`` and answers ``304`` to a matching
``If-None-Match``; answers are reused while the catalog has not changed
(:mod:`shop_adapters.http.catalog.cache`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Final

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, HeaderParameter, Parameter
from msgspec import Meta

from shop_adapters.http.app import runtime_of
from shop_adapters.http.auth import PUBLIC
from shop_adapters.http.catalog.cache import (
    ANSWER_HEADERS,
    NOT_MODIFIED,
    first_after,
    public_reads,
)
from shop_adapters.http.catalog.responses import (
    BrandOut,
    CategoryOut,
    FrontCategoryOut,
    ProductDetailOut,
    ProductPage,
)
from shop_adapters.http.problems import problem_spec
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
CONDITIONAL: Final = {304: NOT_MODIFIED}
"""Every public read declares the 304, and its ``ETag`` and ``Cache-Control``
(``response_headers=ANSWER_HEADERS``)."""
IfNoneMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-None-Match",
        required=False,
        max_length=2000,
        description="An `ETag` received before: 304 with no body while the answer is the same",
    ),
]
_encode = msgspec.json.Encoder().encode


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
        responses=CONDITIONAL,
        response_headers=ANSWER_HEADERS,
    )
    async def search(
        self,
        request: Request[Any, Any, Any],
        search: NamedDependency[SearchCriteria],
        if_none_match: IfNoneMatch = None,
    ) -> Response[ProductPage]:
        runtime = runtime_of(request)  # not a second dependency: see runtime_of
        queries = runtime.get(CatalogQueries)
        reads = public_reads(queries)
        now = runtime.clock.now()

        async def render() -> tuple[bytes, dt.datetime | None]:
            page = await queries.search(search, now)
            return _encode(ProductPage.of(page)), await reads.next_listing_change(now)

        # the query string decides the criteria: equal strings, equal answers
        key = ("search", request.scope["query_string"])
        return await reads.answer(request, key, now, render)

    @get(
        "/products/{product_id:uuid}",
        summary="A product page",
        responses={404: NOT_FOUND, **CONDITIONAL},
        response_headers=ANSWER_HEADERS,
    )
    async def product(
        self,
        request: Request[Any, Any, Any],
        product_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        if_none_match: IfNoneMatch = None,
    ) -> Response[ProductDetailOut]:
        queries = runtime.get(CatalogQueries)
        now = runtime.clock.now()

        async def render() -> tuple[bytes, dt.datetime | None]:
            detail = await queries.product_detail(product_id, now)
            return _encode(ProductDetailOut.of(detail)), first_after(
                now, detail.list_at, detail.delist_at
            )

        return await public_reads(queries).answer(request, ("product", product_id), now, render)

    @get(
        "/categories",
        summary="The back-end category tree",
        responses=CONDITIONAL,
        response_headers=ANSWER_HEADERS,
    )
    async def categories(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        if_none_match: IfNoneMatch = None,
    ) -> Response[list[CategoryOut]]:
        queries = runtime.get(CatalogQueries)

        async def render() -> tuple[bytes, dt.datetime | None]:
            return _encode([CategoryOut.of(node) for node in await queries.category_tree()]), None

        return await public_reads(queries).answer(
            request, ("categories",), runtime.clock.now(), render
        )

    @get(
        "/front-categories",
        summary="The visible display categories",
        responses=CONDITIONAL,
        response_headers=ANSWER_HEADERS,
    )
    async def front_categories(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        if_none_match: IfNoneMatch = None,
    ) -> Response[list[FrontCategoryOut]]:
        queries = runtime.get(CatalogQueries)

        async def render() -> tuple[bytes, dt.datetime | None]:
            tree = await queries.front_category_tree()
            return _encode([FrontCategoryOut.of(node) for node in tree]), None

        return await public_reads(queries).answer(
            request, ("front-categories",), runtime.clock.now(), render
        )

    @get(
        "/brands",
        summary="Every brand",
        responses=CONDITIONAL,
        response_headers=ANSWER_HEADERS,
    )
    async def brands(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        if_none_match: IfNoneMatch = None,
    ) -> Response[list[BrandOut]]:
        queries = runtime.get(CatalogQueries)

        async def render() -> tuple[bytes, dt.datetime | None]:
            return _encode([BrandOut.of(view) for view in await queries.brands()]), None

        return await public_reads(queries).answer(request, ("brands",), runtime.clock.now(), render)


__all__ = [
    "SEARCH_DEPENDENCIES",
    "CatalogController",
    "provide_search",
]
