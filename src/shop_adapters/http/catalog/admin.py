"""The catalog back office (``/admin/catalog``): operators with named permissions (SEC-1).

- ``catalog.read``: search and product pages including unlisted products, the front tree
  including hidden categories;
- ``catalog.write``: every change. Each change is one command on the bus, sent with the
  caller's ``Idempotency-Key`` (SEC-5), so a retried request returns the first outcome.

Creations answer 201 ``{"id": ...}``; changes to a product answer 200 with the fresh product
page (as the back office sees it); changes to categories and brands answer 200 with the fresh
node; deleting a front category answers 204.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Final

import attrs
from litestar import Controller, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, Parameter

from shop_adapters.http.app import Commands
from shop_adapters.http.auth import operator_only, requires
from shop_adapters.http.catalog.public import SEARCH_DEPENDENCIES, catalog_queries
from shop_adapters.http.catalog.schemas import (
    AttributesIn,
    BrandIn,
    BrandOut,
    CategoryIn,
    CategoryLinksIn,
    CategoryOut,
    Created,
    FrontCategoryIn,
    FrontCategoryOut,
    FrontCategoryPatch,
    PriceIn,
    ProductDetailOut,
    ProductIn,
    ProductPage,
    ProductUpdateIn,
    RenameIn,
    ScheduleIn,
    SchedulesApplied,
    SkuIn,
    StockIn,
)
from shop_adapters.http.problems import HttpProblem, problem_spec
from shop_adapters.runtime import Runtime
from shop_app.catalog import commands as c
from shop_app.catalog.queries import CategoryNode, FrontCategoryNode, SearchCriteria

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


def conflict(description: str) -> ResponseSpec:
    return problem_spec(f"The change clashes with the catalog: {description}")


def _id(result: Any) -> uuid.UUID:
    """A creating command's result (a replay through the idempotency store keeps the type)."""
    return result if isinstance(result, uuid.UUID) else uuid.UUID(str(result))


async def _product(runtime: Runtime, product_id: uuid.UUID) -> ProductDetailOut:
    detail = await catalog_queries(runtime).product_detail(
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


def _find(nodes: Any, node_id: uuid.UUID) -> Any:
    for node in nodes:
        if node.id == node_id:
            return node
        found = _find(node.children, node_id)
        if found is not None:
            return found
    return None


async def _category(runtime: Runtime, category_id: uuid.UUID) -> CategoryOut:
    node: CategoryNode | None = _find(await catalog_queries(runtime).category_tree(), category_id)
    if node is None:  # pragma: no cover - the command just found it
        raise HttpProblem(404, "catalog.category_not_found", f"no category {category_id}")
    return CategoryOut.of(node)


async def _front(runtime: Runtime, front_id: uuid.UUID) -> FrontCategoryOut:
    tree = await catalog_queries(runtime).front_category_tree(include_hidden=True)
    node: FrontCategoryNode | None = _find(tree, front_id)
    if node is None:  # pragma: no cover - the command just found it
        raise HttpProblem(404, "catalog.front_category_not_found", f"no front category {front_id}")
    return FrontCategoryOut.of(node)


async def _brand(runtime: Runtime, brand_id: uuid.UUID) -> BrandOut:
    for view in await catalog_queries(runtime).brands():
        if view.id == brand_id:
            return BrandOut.of(view)
    raise HttpProblem(  # pragma: no cover - the command just found it
        404, "catalog.brand_not_found", f"no brand {brand_id}"
    )


def _with_unlisted(criteria: SearchCriteria) -> SearchCriteria:
    return attrs.evolve(criteria, include_unlisted=True)


class CatalogAdminController(Controller):
    """The back office: reads need ``catalog.read``, changes ``catalog.write`` (and an operator
    token); each change is one command on the bus (idempotent with a key)."""

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
        return ProductPage.of(await catalog_queries(runtime).search(criteria, runtime.clock.now()))

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

    @get(
        "/front-categories",
        summary="The display categories, hidden ones included",
        guards=READ_GUARDS,
    )
    async def front_categories(self, runtime: NamedDependency[Runtime]) -> list[FrontCategoryOut]:
        tree = await catalog_queries(runtime).front_category_tree(include_hidden=True)
        return [FrontCategoryOut.of(node) for node in tree]

    # --- back-end categories (CAT-2, CAT-4) ---------------------------------------------------

    @post(
        "/categories",
        guards=WRITE_GUARDS,
        summary="Create a back-end category (a root without parent_id)",
        responses={
            404: CATEGORY_NOT_FOUND,
            409: conflict(
                "too deep (`catalog.category_too_deep`), name taken among siblings "
                "(`catalog.category_name_taken`), parent holds products or attributes"
            ),
        },
    )
    async def create_category(
        self,
        data: JSONBody[CategoryIn],
        commands: NamedDependency[Commands],
    ) -> Created:
        result = await commands.send(data.command())
        return Created(id=_id(result))

    @patch(
        "/categories/{category_id:uuid}",
        guards=WRITE_GUARDS,
        summary="Rename a back-end category",
        responses={
            404: CATEGORY_NOT_FOUND,
            409: conflict("name taken among siblings (`catalog.category_name_taken`)"),
        },
    )
    async def rename_category(
        self,
        category_id: FromPath[uuid.UUID],
        data: JSONBody[RenameIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> CategoryOut:
        command = c.RenameCategory(category_id=category_id, name=data.name)
        await commands.send(command)
        return await _category(runtime, category_id)

    @put(
        "/categories/{category_id:uuid}/attributes",
        guards=WRITE_GUARDS,
        summary="Define the attributes of a leaf category (replaces them)",
        responses={
            404: CATEGORY_NOT_FOUND,
            409: conflict(
                "not a leaf (`catalog.category_not_leaf`), or an incompatible change while "
                "products use it (`catalog.attribute_change_breaks_products`)"
            ),
        },
    )
    async def define_attributes(
        self,
        category_id: FromPath[uuid.UUID],
        data: JSONBody[AttributesIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> CategoryOut:
        command = c.DefineCategoryAttributes(
            category_id=category_id, attributes=tuple(a.spec() for a in data.attributes)
        )
        await commands.send(command)
        return await _category(runtime, category_id)

    # --- front-end categories (CAT-3) ---------------------------------------------------------

    @post(
        "/front-categories",
        guards=WRITE_GUARDS,
        summary="Create a display category",
        responses={404: problem_spec("No such parent or back-end category")},
    )
    async def create_front_category(
        self,
        data: JSONBody[FrontCategoryIn],
        commands: NamedDependency[Commands],
    ) -> Created:
        result = await commands.send(data.command())
        return Created(id=_id(result))

    @patch(
        "/front-categories/{front_category_id:uuid}",
        guards=WRITE_GUARDS,
        summary="Rename, reorder, hide or show a display category",
        responses={404: FRONT_NOT_FOUND},
    )
    async def update_front_category(
        self,
        front_category_id: FromPath[uuid.UUID],
        data: JSONBody[FrontCategoryPatch],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> FrontCategoryOut:
        command = c.UpdateFrontCategory(
            front_category_id=front_category_id,
            name=data.name,
            sort_order=data.sort_order,
            visible=data.visible,
        )
        await commands.send(command)
        return await _front(runtime, front_category_id)

    @put(
        "/front-categories/{front_category_id:uuid}/categories",
        guards=WRITE_GUARDS,
        summary="Map a display category onto back-end categories (replaces the mapping)",
        responses={404: problem_spec("No such front or back-end category")},
    )
    async def map_front_category(
        self,
        front_category_id: FromPath[uuid.UUID],
        data: JSONBody[CategoryLinksIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> FrontCategoryOut:
        command = c.MapFrontCategory(
            front_category_id=front_category_id, category_ids=tuple(data.category_ids)
        )
        await commands.send(command)
        return await _front(runtime, front_category_id)

    @delete(
        "/front-categories/{front_category_id:uuid}",
        guards=WRITE_GUARDS,
        summary="Delete a display category (no product is touched)",
        status_code=204,
        responses={
            404: FRONT_NOT_FOUND,
            409: conflict("it has subcategories (`catalog.front_category_has_children`)"),
        },
    )
    async def delete_front_category(
        self,
        front_category_id: FromPath[uuid.UUID],
        commands: NamedDependency[Commands],
    ) -> None:
        command = c.DeleteFrontCategory(front_category_id=front_category_id)
        await commands.send(command)

    # --- brands (CAT-5) -----------------------------------------------------------------------

    @post(
        "/brands",
        guards=WRITE_GUARDS,
        summary="Create a brand, optionally restricted to categories",
        responses={
            404: CATEGORY_NOT_FOUND,
            409: conflict("the name is taken (`catalog.brand_name_taken`)"),
        },
    )
    async def create_brand(
        self,
        data: JSONBody[BrandIn],
        commands: NamedDependency[Commands],
    ) -> Created:
        command = c.CreateBrand(
            name=data.name, logo_url=data.logo_url, category_ids=tuple(data.category_ids)
        )
        result = await commands.send(command)
        return Created(id=_id(result))

    @put(
        "/brands/{brand_id:uuid}",
        guards=WRITE_GUARDS,
        summary="Replace a brand's name, logo and categories",
        responses={
            404: BRAND_NOT_FOUND,
            409: conflict("the name is taken (`catalog.brand_name_taken`)"),
        },
    )
    async def update_brand(
        self,
        brand_id: FromPath[uuid.UUID],
        data: JSONBody[BrandIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> BrandOut:
        command = c.UpdateBrand(
            brand_id=brand_id,
            name=data.name,
            logo_url=data.logo_url,
            category_ids=tuple(data.category_ids),
        )
        await commands.send(command)
        return await _brand(runtime, brand_id)

    # --- products and SKUs (CAT-1, CAT-4, CAT-6) ----------------------------------------------

    @post(
        "/products",
        guards=WRITE_GUARDS,
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
    ) -> Created:
        result = await commands.send(data.command())
        return Created(id=_id(result))

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
    ) -> Created:
        command = c.AddSku(product_id=product_id, sku=data.new_sku())
        result = await commands.send(command)
        return Created(id=_id(result))

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

    @put(
        "/products/{product_id:uuid}/skus/{sku_id:uuid}/stock",
        guards=WRITE_GUARDS,
        summary="Set a SKU's stock",
        responses={404: SKU_NOT_FOUND},
    )
    async def set_sku_stock(
        self,
        product_id: FromPath[uuid.UUID],
        sku_id: FromPath[uuid.UUID],
        data: JSONBody[StockIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> ProductDetailOut:
        command = c.SetSkuStock(product_id=product_id, sku_id=sku_id, stock=data.stock)
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


__all__ = ["READ", "WRITE", "CatalogAdminController"]
