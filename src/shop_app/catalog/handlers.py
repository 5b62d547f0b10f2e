"""Command handlers of the catalog. They do not commit: the message bus does.

Cross-aggregate checks (a leaf category, a free name, a brand allowed in a category, a category
without products) are made here with repository queries and the rule objects of
:mod:`shop_domain.catalog.rules`; everything an aggregate can see itself it checks itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from shop_app.catalog import commands as c
from shop_app.catalog.errors import InvalidSweepLimit
from shop_app.catalog.ports import CatalogUnitOfWork
from shop_app.shared.messagebus import CommandHandler
from shop_domain.catalog import rules
from shop_domain.catalog.categories import AttributeDefinition, Brand, Category, FrontCategory
from shop_domain.catalog.model import CatalogPolicy, Dimensions
from shop_domain.catalog.products import Product, SkuDraft
from shop_domain.shared.rules import check_rule

# --- back-end categories ----------------------------------------------------------------------


class CreateCategoryHandler:
    """CAT-2: a new root or child; the depth limit comes from the policy."""

    def __init__(self, policy: CatalogPolicy) -> None:
        self.policy = policy

    async def __call__(self, command: c.CreateCategory, uow: CatalogUnitOfWork) -> uuid.UUID:
        parent: Category | None = None
        if command.parent_id is not None:
            parent = await uow.categories.get(command.parent_id)
            check_rule(
                rules.ParentHoldsNoProducts(await uow.products.exists_in_category(parent.id))
            )
        category = Category.create(
            id=uow.ids.new_id(),
            name=command.name,
            parent=parent,
            policy=self.policy,
            now=uow.clock.now(),
        )
        taken = await uow.categories.find_by_name_under(category.parent_id, category.name)
        check_rule(rules.CategoryNameIsUnique(taken is not None, category.name))
        uow.categories.add(category)
        return category.id


async def rename_category(command: c.RenameCategory, uow: CatalogUnitOfWork) -> None:
    category = await uow.categories.get(command.category_id)
    # look the new name up before renaming: the renamed copy would match itself
    same = await uow.categories.find_by_name_under(category.parent_id, command.name)
    check_rule(
        rules.CategoryNameIsUnique(same is not None and same.id != category.id, command.name)
    )
    category.rename(command.name, uow.clock.now())


async def define_category_attributes(
    command: c.DefineCategoryAttributes, uow: CatalogUnitOfWork
) -> None:
    """CAT-4: attributes are defined on leaves; once products use the category, only
    compatible changes are accepted."""
    category = await uow.categories.get(command.category_id)
    check_rule(rules.CategoryIsLeaf(await uow.categories.has_children(category.id)))
    definitions = [
        AttributeDefinition.build(
            key=spec.key,
            name=spec.name,
            kind=spec.kind,
            required=spec.required,
            allowed_values=spec.allowed_values,
        )
        for spec in command.attributes
    ]
    in_use = await uow.products.exists_in_category(category.id)
    category.define_attributes(definitions, in_use=in_use, now=uow.clock.now())


# --- front-end categories ---------------------------------------------------------------------


async def _check_categories_exist(uow: CatalogUnitOfWork, ids: Iterable[uuid.UUID]) -> None:
    for category_id in set(ids):
        await uow.categories.get(category_id)


async def create_front_category(
    command: c.CreateFrontCategory, uow: CatalogUnitOfWork
) -> uuid.UUID:
    if command.parent_id is not None:
        await uow.front_categories.get(command.parent_id)
    await _check_categories_exist(uow, command.category_ids)
    front = FrontCategory.create(
        id=uow.ids.new_id(),
        name=command.name,
        parent_id=command.parent_id,
        sort_order=command.sort_order,
        visible=command.visible,
        category_ids=command.category_ids,
        now=uow.clock.now(),
    )
    uow.front_categories.add(front)
    return front.id


async def update_front_category(command: c.UpdateFrontCategory, uow: CatalogUnitOfWork) -> None:
    front = await uow.front_categories.get(command.front_category_id)
    front.update(
        name=command.name,
        sort_order=command.sort_order,
        visible=command.visible,
        now=uow.clock.now(),
    )


async def map_front_category(command: c.MapFrontCategory, uow: CatalogUnitOfWork) -> None:
    front = await uow.front_categories.get(command.front_category_id)
    await _check_categories_exist(uow, command.category_ids)
    front.map_to(command.category_ids, uow.clock.now())


async def delete_front_category(command: c.DeleteFrontCategory, uow: CatalogUnitOfWork) -> None:
    """CAT-3: deleting a front category touches no product; subcategories go first."""
    front = await uow.front_categories.get(command.front_category_id)
    check_rule(rules.FrontCategoryHasNoChildren(await uow.front_categories.has_children(front.id)))
    front.delete(uow.clock.now())
    uow.front_categories.remove(front)


# --- brands -----------------------------------------------------------------------------------


async def _check_brand_name_free(
    uow: CatalogUnitOfWork, name: str, brand_id: uuid.UUID | None
) -> None:
    same = await uow.brands.find_by_name(name)
    check_rule(rules.BrandNameIsUnique(same is not None and same.id != brand_id, name))


async def create_brand(command: c.CreateBrand, uow: CatalogUnitOfWork) -> uuid.UUID:
    await _check_categories_exist(uow, command.category_ids)
    brand = Brand.create(
        id=uow.ids.new_id(),
        name=command.name,
        logo_url=command.logo_url,
        category_ids=command.category_ids,
        now=uow.clock.now(),
    )
    await _check_brand_name_free(uow, brand.name, None)
    uow.brands.add(brand)
    return brand.id


async def update_brand(command: c.UpdateBrand, uow: CatalogUnitOfWork) -> None:
    brand = await uow.brands.get(command.brand_id)
    await _check_categories_exist(uow, command.category_ids)
    await _check_brand_name_free(uow, command.name, brand.id)  # before the rename
    brand.update(
        name=command.name,
        logo_url=command.logo_url,
        category_ids=command.category_ids,
        now=uow.clock.now(),
    )


# --- products ---------------------------------------------------------------------------------


def _draft(sku: c.NewSku, sku_id: uuid.UUID) -> SkuDraft:
    return SkuDraft(
        id=sku_id,
        code=sku.code,
        sales_attributes=sku.sales_attributes,
        sale_price=sku.sale_price,
        list_price=sku.list_price,
        barcode=sku.barcode,
        weight_g=sku.weight_g,
        dimensions=Dimensions(sku.length_mm, sku.width_mm, sku.height_mm),
        freight_template_id=sku.freight_template_id,
        enabled=sku.enabled,
    )


async def _leaf(uow: CatalogUnitOfWork, category_id: uuid.UUID) -> Category:
    category = await uow.categories.get(category_id)
    check_rule(rules.CategoryIsLeaf(await uow.categories.has_children(category.id)))
    return category


async def _check_code_free(
    uow: CatalogUnitOfWork, shop_id: uuid.UUID, code: str, product_id: uuid.UUID
) -> None:
    taken = await uow.products.sku_code_taken(shop_id, code, exclude_product_id=product_id)
    check_rule(rules.SkuCodeIsUnique(taken, code))


async def create_product(command: c.CreateProduct, uow: CatalogUnitOfWork) -> uuid.UUID:
    """CAT-1/2/4/5/6: a new unlisted product on a leaf category with its first SKUs."""
    category = await _leaf(uow, command.category_id)
    brand = None if command.brand_id is None else await uow.brands.get(command.brand_id)
    product_id = uow.ids.new_id()
    product = Product.create(
        id=product_id,
        shop_id=command.shop_id,
        name=command.name,
        description=command.description,
        category=category,
        brand=brand,
        currency=command.currency,
        key_attributes=command.key_attributes,
        other_attributes=command.other_attributes,
        sales_attribute_keys=command.sales_attribute_keys,
        skus=[_draft(sku, uow.ids.new_id()) for sku in command.skus],
        now=uow.clock.now(),
        kind=command.kind,
    )
    for sku in product.skus:
        await _check_code_free(uow, product.shop_id, sku.code, product.id)
    uow.products.add(product)
    return product.id


async def update_product(command: c.UpdateProduct, uow: CatalogUnitOfWork) -> None:
    product = await uow.products.get(command.product_id)
    category = await uow.categories.get(product.category_id)
    brand = None if command.brand_id is None else await uow.brands.get(command.brand_id)
    product.update_details(
        name=command.name,
        description=command.description,
        brand=brand,
        key_attributes=command.key_attributes,
        other_attributes=command.other_attributes,
        category=category,
        now=uow.clock.now(),
        kind=command.kind,
    )


async def add_sku(command: c.AddSku, uow: CatalogUnitOfWork) -> uuid.UUID:
    product = await uow.products.get(command.product_id)
    category = await uow.categories.get(product.category_id)
    sku = product.add_sku(_draft(command.sku, uow.ids.new_id()), category, uow.clock.now())
    await _check_code_free(uow, product.shop_id, sku.code, product.id)
    return sku.id


async def change_sku_price(command: c.ChangeSkuPrice, uow: CatalogUnitOfWork) -> None:
    product = await uow.products.get(command.product_id)
    product.change_sku_price(
        command.sku_id, command.sale_price, command.list_price, uow.clock.now()
    )


async def set_sku_enabled(command: c.SetSkuEnabled, uow: CatalogUnitOfWork) -> None:
    product = await uow.products.get(command.product_id)
    product.set_sku_enabled(command.sku_id, command.enabled, uow.clock.now())


async def record_product_sales(command: c.RecordProductSales, uow: CatalogUnitOfWork) -> None:
    product = await uow.products.get(command.product_id)
    product.record_sales(command.quantity, uow.clock.now())


# --- listing ----------------------------------------------------------------------------------


async def list_product(command: c.ListProduct, uow: CatalogUnitOfWork) -> None:
    product = await uow.products.get(command.product_id)
    product.list_for_sale(uow.clock.now())


async def unlist_product(command: c.UnlistProduct, uow: CatalogUnitOfWork) -> None:
    product = await uow.products.get(command.product_id)
    product.unlist(uow.clock.now())


async def schedule_listing(command: c.ScheduleListing, uow: CatalogUnitOfWork) -> None:
    product = await uow.products.get(command.product_id)
    product.schedule_listing(
        list_at=command.list_at, delist_at=command.delist_at, now=uow.clock.now()
    )


async def apply_listing_schedules(command: c.ApplyListingSchedules, uow: CatalogUnitOfWork) -> int:
    """The sweep (CAT-7). It changes up to ``limit`` products in one transaction — an accepted
    exception to "one aggregate per transaction" for a housekeeping batch; a concurrent edit of
    one of them fails the batch, and the next run retries."""
    if not isinstance(command.limit, int) or not 1 <= command.limit <= 10_000:
        raise InvalidSweepLimit("limit is 1..10000")
    now = uow.clock.now()
    changed = 0
    for product in await uow.products.due_for_schedule(now, command.limit):
        if product.apply_schedule(now):
            changed += 1
    return changed


def catalog_command_handlers(policy: CatalogPolicy) -> dict[type, CommandHandler]:
    """Every catalog command mapped to its handler, for the message bus."""
    return {
        c.CreateCategory: CreateCategoryHandler(policy),
        c.RenameCategory: rename_category,
        c.DefineCategoryAttributes: define_category_attributes,
        c.CreateFrontCategory: create_front_category,
        c.UpdateFrontCategory: update_front_category,
        c.MapFrontCategory: map_front_category,
        c.DeleteFrontCategory: delete_front_category,
        c.CreateBrand: create_brand,
        c.UpdateBrand: update_brand,
        c.CreateProduct: create_product,
        c.UpdateProduct: update_product,
        c.AddSku: add_sku,
        c.ChangeSkuPrice: change_sku_price,
        c.SetSkuEnabled: set_sku_enabled,
        c.RecordProductSales: record_product_sales,
        c.ListProduct: list_product,
        c.UnlistProduct: unlist_product,
        c.ScheduleListing: schedule_listing,
        c.ApplyListingSchedules: apply_listing_schedules,
    }
