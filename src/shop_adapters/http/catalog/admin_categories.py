"""The catalog back office's categories and brands (``/admin/catalog``): back-end categories
and their attributes (CAT-2, CAT-4), display categories (CAT-3) and brands (CAT-5). Products and
SKUs are in :mod:`shop_adapters.http.catalog.admin`, which holds the permissions and the
conventions both controllers share.

Creations answer 201 ``{"id": ...}`` with a ``Location`` (the tree or list the new thing is read
in); changes answer 200 with the fresh node; deleting a display category answers 204.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from shop_adapters.http.app import Commands
from shop_adapters.http.catalog.admin import (
    BRAND_NOT_FOUND,
    CATEGORY_NOT_FOUND,
    FRONT_NOT_FOUND,
    READ_GUARDS,
    WRITE_GUARDS,
    conflict,
    created,
)
from shop_adapters.http.catalog.requests import (
    AttributesIn,
    BrandIn,
    CategoryIn,
    CategoryLinksIn,
    FrontCategoryIn,
    FrontCategoryPatch,
    RenameIn,
)
from shop_adapters.http.catalog.responses import BrandOut, CategoryOut, Created, FrontCategoryOut
from shop_adapters.http.problems import LOCATION, HttpProblem, problem_spec
from shop_adapters.runtime import Runtime
from shop_app.catalog import commands as c
from shop_app.catalog.ports import CatalogQueries
from shop_app.catalog.queries import CategoryNode, FrontCategoryNode


def _find(nodes: Any, node_id: uuid.UUID) -> Any:
    for node in nodes:
        if node.id == node_id:
            return node
        found = _find(node.children, node_id)
        if found is not None:
            return found
    return None


async def _category(runtime: Runtime, category_id: uuid.UUID) -> CategoryOut:
    node: CategoryNode | None = _find(
        await runtime.get(CatalogQueries).category_tree(), category_id
    )
    if node is None:  # pragma: no cover - the command just found it
        raise HttpProblem(404, "catalog.category_not_found", f"no category {category_id}")
    return CategoryOut.of(node)


async def _front(runtime: Runtime, front_id: uuid.UUID) -> FrontCategoryOut:
    tree = await runtime.get(CatalogQueries).front_category_tree(include_hidden=True)
    node: FrontCategoryNode | None = _find(tree, front_id)
    if node is None:  # pragma: no cover - the command just found it
        raise HttpProblem(404, "catalog.front_category_not_found", f"no front category {front_id}")
    return FrontCategoryOut.of(node)


async def _brand(runtime: Runtime, brand_id: uuid.UUID) -> BrandOut:
    for view in await runtime.get(CatalogQueries).brands():
        if view.id == brand_id:
            return BrandOut.of(view)
    raise HttpProblem(  # pragma: no cover - the command just found it
        404, "catalog.brand_not_found", f"no brand {brand_id}"
    )


class CatalogCategoriesAdminController(Controller):
    """Categories, display categories and brands: reads need ``catalog.read``, changes
    ``catalog.write`` (and an operator token); each change is one command on the bus."""

    path = "/admin/catalog"
    tags = ["catalog admin"]

    @get(
        "/front-categories",
        summary="The display categories, hidden ones included",
        guards=READ_GUARDS,
    )
    async def front_categories(self, runtime: NamedDependency[Runtime]) -> list[FrontCategoryOut]:
        tree = await runtime.get(CatalogQueries).front_category_tree(include_hidden=True)
        return [FrontCategoryOut.of(node) for node in tree]

    # --- back-end categories (CAT-2, CAT-4) ---------------------------------------------------

    @post(
        "/categories",
        guards=WRITE_GUARDS,
        response_headers=LOCATION,
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
    ) -> Response[Created]:
        result = await commands.send(data.command())
        return created(result, "/catalog/categories")

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
        response_headers=LOCATION,
        summary="Create a display category",
        responses={404: problem_spec("No such parent or back-end category")},
    )
    async def create_front_category(
        self,
        data: JSONBody[FrontCategoryIn],
        commands: NamedDependency[Commands],
    ) -> Response[Created]:
        result = await commands.send(data.command())
        return created(result, "/admin/catalog/front-categories")

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
        response_headers=LOCATION,
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
    ) -> Response[Created]:
        command = c.CreateBrand(
            name=data.name, logo_url=data.logo_url, category_ids=tuple(data.category_ids)
        )
        result = await commands.send(command)
        return created(result, "/catalog/brands")

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


__all__ = ["CatalogCategoriesAdminController"]
