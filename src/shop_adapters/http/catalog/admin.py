"""The catalog back office (``/admin/catalog``): operators with named permissions (SEC-1).
This module holds the permissions, the shared conventions and the products and SKUs;
categories and brands are in :mod:`shop_adapters.http.catalog.admin_categories`.

- ``catalog.read``: search and product pages including unlisted products, the front tree
  including hidden categories;
- ``catalog.write``: every change. Each change is one command on the bus, sent with the
  caller's ``Idempotency-Key`` (SEC-5), so a retried request returns the first outcome.

Creations answer 201 ``{"id": ...}`` with a ``Location`` where the new thing can be read (the
product page; for categories and brands, which are read as a tree or a list, that list);
changes to a product answer 200 with the fresh product page (as the back office sees it);
changes to categories and brands answer 200 with the fresh node; deleting a front category
answers 204 (see ``docs/http.md``).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Final

import attrs
from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, Parameter

from shop_adapters.http.app import Commands
from shop_adapters.http.auth import operator_only, requires
from shop_adapters.http.catalog.public import SEARCH_DEPENDENCIES
from shop_adapters.http.catalog.requests import (
    PriceIn,
    ProductIn,
    ProductUpdateIn,
    ScheduleIn,
    SkuIn,
)
from shop_adapters.http.catalog.responses import (
    Created,
    ProductDetailOut,
    ProductPage,
    SchedulesApplied,
)
from shop_adapters.http.problems import LOCATION, problem_spec
from shop_adapters.runtime import Runtime
from shop_app.catalog import commands as c
from shop_app.catalog.ports import CatalogQueries
from shop_app.catalog.queries import SearchCriteria

READ: Final = "catalog.read"
WRITE: Final = "catalog.write"
# the permission first: a customer (who holds none) gets 403 `auth.permission_required` too
READ_GUARDS: Final = [requires(READ), operator_only]
WRITE_GUARDS: Final = [requires(WRITE), operator_only]

CATEGORY_NOT_FOUND: Final = problem_spec("No such category (`catalog.category_not_found`)")
FRONT_NOT_FOUND: Final = problem_spec("No such front category (`catalog.front_category_not_found`)")
BRAND_NOT_FOUND: Final = problem_spec("No such brand (`catalog.brand_not_found`)")
PRODUCT_NOT_FOUND: Final = problem_spec("No such product (`catalog.product_not_found`)")
SKU_NOT_FOUND: Final = problem_spec(
    "No such product or SKU (`catalog.product_not_found`, `catalog.sku_not_found`)"
)


def created(result: Any, location: str) -> Response[Created]:
    """201 ``{"id": ...}`` for a creating command's result, with ``Location`` (``{id}`` in
    ``location`` is the new id)."""
    new_id = _id(result)
    return Response(
        Created(id=new_id), status_code=201, headers={"Location": location.format(id=new_id)}
    )


def conflict(description: str) -> ResponseSpec:
    return problem_spec(f"The change clashes with the catalog: {description}")


def _id(result: Any) -> uuid.UUID:
    """A creating command's result (a replay through the idempotency store keeps the type)."""
    return result if isinstance(result, uuid.UUID) else uuid.UUID(str(result))


async def _product(runtime: Runtime, product_id: uuid.UUID) -> ProductDetailOut:
    detail = await runtime.get(CatalogQueries).product_detail(
        product_id, runtime.clock.now(), include_unlisted=True
    )
    return ProductDetailOut.of(detail)


async def _change_product(
    runtime: Runtime,
    commands: Commands,
    product_id: uuid.UUID,
    command: object,
) -> ProductDetailOut:
    """Run a command on one product and answer with its fresh detail."""
    await commands.send(command)
    return await _product(runtime, product_id)


def _with_unlisted(criteria: SearchCriteria) -> SearchCriteria:
    return attrs.evolve(criteria, include_unlisted=True)


class CatalogAdminController(Controller):
    """Products and SKUs: reads need ``catalog.read``, changes ``catalog.write`` (and an
    operator token); each change is one command on the bus (idempotent with a key)."""

    path = "/admin/catalog"
    tags = ["catalog admin"]

    # --- reads --------------------------------------------------------------------------------

    @get(
        "/products",
        guards=READ_GUARDS,
        summary="Search products, unlisted included",
        dependencies=SEARCH_DEPENDENCIES,
    )
    async def search(
        self,
        runtime: NamedDependency[Runtime],
        search: NamedDependency[SearchCriteria],
        include_unlisted: Annotated[
            bool, Parameter(description="Include products that are not on sale")
        ] = True,
    ) -> ProductPage:
        criteria = _with_unlisted(search) if include_unlisted else search
        return ProductPage.of(
            await runtime.get(CatalogQueries).search(criteria, runtime.clock.now())
        )

    @get(
        "/products/{product_id:uuid}",
        guards=READ_GUARDS,
        summary="A product page, listed or not",
        responses={404: PRODUCT_NOT_FOUND},
    )
    async def product(
        self,
        product_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
    ) -> ProductDetailOut:
        return await _product(runtime, product_id)

    # --- products and SKUs (CAT-1, CAT-4, CAT-6) ----------------------------------------------

    @post(
        "/products",
        guards=WRITE_GUARDS,
        response_headers=LOCATION,
        summary="Create a product (unlisted) with its SKUs",
        responses={
            404: problem_spec("No such category or brand"),
            409: conflict(
                "category not a leaf (`catalog.category_not_leaf`), SKU combination or code "
                "taken (`catalog.sku_combination_taken`, `catalog.sku_code_taken`), brand not "
                "allowed (`catalog.brand_not_allowed_in_category`)"
            ),
        },
    )
    async def create_product(
        self,
        data: JSONBody[ProductIn],
        commands: NamedDependency[Commands],
    ) -> Response[Created]:
        result = await commands.send(data.command())
        return created(result, "/admin/catalog/products/{id}")

    @put(
        "/products/{product_id:uuid}",
        guards=WRITE_GUARDS,
        summary="Replace a product's descriptive fields",
        responses={404: PRODUCT_NOT_FOUND, 409: conflict("brand not allowed in the category")},
    )
    async def update_product(
        self,
        product_id: FromPath[uuid.UUID],
        data: JSONBody[ProductUpdateIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> ProductDetailOut:
        command = data.command(product_id)
        return await _change_product(runtime, commands, product_id, command)

    @post(
        "/products/{product_id:uuid}/skus",
        guards=WRITE_GUARDS,
        response_headers=LOCATION,
        summary="Add a SKU to a product",
        responses={
            404: PRODUCT_NOT_FOUND,
            409: conflict(
                "SKU combination or code taken "
                "(`catalog.sku_combination_taken`, `catalog.sku_code_taken`)"
            ),
        },
    )
    async def add_sku(
        self,
        product_id: FromPath[uuid.UUID],
        data: JSONBody[SkuIn],
        commands: NamedDependency[Commands],
    ) -> Response[Created]:
        command = c.AddSku(product_id=product_id, sku=data.new_sku())
        result = await commands.send(command)
        return created(result, f"/admin/catalog/products/{product_id}")

    @put(
        "/products/{product_id:uuid}/skus/{sku_id:uuid}/price",
        guards=WRITE_GUARDS,
        summary="Change a SKU's sale and list prices",
        responses={404: SKU_NOT_FOUND},
    )
    async def change_sku_price(
        self,
        product_id: FromPath[uuid.UUID],
        sku_id: FromPath[uuid.UUID],
        data: JSONBody[PriceIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> ProductDetailOut:
        command = c.ChangeSkuPrice(
            product_id=product_id,
            sku_id=sku_id,
            sale_price=data.sale_price.to_domain(),
            list_price=data.list_price.to_domain(),
        )
        return await _change_product(runtime, commands, product_id, command)

    @post(
        "/products/{product_id:uuid}/skus/{sku_id:uuid}/enable",
        guards=WRITE_GUARDS,
        summary="Enable a SKU",
        status_code=200,
        responses={404: SKU_NOT_FOUND},
    )
    async def enable_sku(
        self,
        product_id: FromPath[uuid.UUID],
        sku_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> ProductDetailOut:
        command = c.SetSkuEnabled(product_id=product_id, sku_id=sku_id, enabled=True)
        return await _change_product(runtime, commands, product_id, command)

    @post(
        "/products/{product_id:uuid}/skus/{sku_id:uuid}/disable",
        guards=WRITE_GUARDS,
        summary="Disable a SKU (disabling the last enabled SKU unlists the product)",
        status_code=200,
        responses={404: SKU_NOT_FOUND},
    )
    async def disable_sku(
        self,
        product_id: FromPath[uuid.UUID],
        sku_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> ProductDetailOut:
        command = c.SetSkuEnabled(product_id=product_id, sku_id=sku_id, enabled=False)
        return await _change_product(runtime, commands, product_id, command)

    # --- listing (CAT-7) ----------------------------------------------------------------------

    @post(
        "/products/{product_id:uuid}/list",
        guards=WRITE_GUARDS,
        summary="Put a product on sale now",
        status_code=200,
        responses={
            404: PRODUCT_NOT_FOUND,
            409: conflict("no enabled SKU (`catalog.no_enabled_sku`)"),
        },
    )
    async def list_product(
        self,
        product_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> ProductDetailOut:
        command = c.ListProduct(product_id=product_id)
        return await _change_product(runtime, commands, product_id, command)

    @post(
        "/products/{product_id:uuid}/unlist",
        guards=WRITE_GUARDS,
        summary="Take a product off sale now",
        status_code=200,
        responses={404: PRODUCT_NOT_FOUND},
    )
    async def unlist_product(
        self,
        product_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> ProductDetailOut:
        command = c.UnlistProduct(product_id=product_id)
        return await _change_product(runtime, commands, product_id, command)

    @put(
        "/products/{product_id:uuid}/schedule",
        guards=WRITE_GUARDS,
        summary="Schedule listing and delisting (null clears one)",
        responses={404: PRODUCT_NOT_FOUND},
    )
    async def schedule_listing(
        self,
        product_id: FromPath[uuid.UUID],
        data: JSONBody[ScheduleIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> ProductDetailOut:
        command = c.ScheduleListing(
            product_id=product_id, list_at=data.list_at, delist_at=data.delist_at
        )
        return await _change_product(runtime, commands, product_id, command)

    @post(
        "/listing-schedules/apply",
        guards=WRITE_GUARDS,
        summary="Apply the listing schedules that are due (the sweep, on demand)",
        status_code=200,
    )
    async def apply_schedules(
        self,
        commands: NamedDependency[Commands],
        limit: Annotated[
            int, Parameter(ge=1, le=10_000, description="At most this many products")
        ] = 500,
    ) -> SchedulesApplied:
        command = c.ApplyListingSchedules(limit=limit)
        result = await commands.send(command)
        return SchedulesApplied(changed=int(result))


__all__ = [
    "READ",
    "READ_GUARDS",
    "WRITE",
    "WRITE_GUARDS",
    "CatalogAdminController",
    "conflict",
    "created",
]
