"""Errors of the catalog context. Codes are part of the public contract: never change them."""

from __future__ import annotations

import uuid

from shop_domain.shared.errors import Conflict, InvalidValue, NotFound


class ProductNotFound(NotFound):
    code = "catalog.product_not_found"

    def __init__(self, product_id: uuid.UUID) -> None:
        super().__init__(f"no product {product_id}", details={"product_id": str(product_id)})


class SkuNotFound(NotFound):
    code = "catalog.sku_not_found"

    def __init__(self, sku_id: uuid.UUID) -> None:
        super().__init__(f"no SKU {sku_id}", details={"sku_id": str(sku_id)})


class CategoryNotFound(NotFound):
    code = "catalog.category_not_found"

    def __init__(self, category_id: uuid.UUID) -> None:
        super().__init__(f"no category {category_id}", details={"category_id": str(category_id)})


class FrontCategoryNotFound(NotFound):
    code = "catalog.front_category_not_found"

    def __init__(self, front_category_id: uuid.UUID) -> None:
        super().__init__(
            f"no front category {front_category_id}",
            details={"front_category_id": str(front_category_id)},
        )


class BrandNotFound(NotFound):
    code = "catalog.brand_not_found"

    def __init__(self, brand_id: uuid.UUID) -> None:
        super().__init__(f"no brand {brand_id}", details={"brand_id": str(brand_id)})


class ProductNotListed(Conflict):
    """The product is not (effectively) listed: it cannot be put in a cart or ordered (CAT-7)."""

    code = "catalog.product_not_listed"

    def __init__(self, product_id: uuid.UUID) -> None:
        super().__init__(
            f"product {product_id} is not listed", details={"product_id": str(product_id)}
        )


class SkuDisabled(Conflict):
    code = "catalog.sku_disabled"

    def __init__(self, sku_id: uuid.UUID) -> None:
        super().__init__(f"SKU {sku_id} is disabled", details={"sku_id": str(sku_id)})


# --- bad values (``kind`` "invalid"): each code is raised from here only -----------------------


class InvalidText(InvalidValue):
    """A name, key, value or description that is not text of an allowed length."""

    code = "catalog.invalid_text"


class InvalidPolicy(InvalidValue):
    code = "catalog.invalid_policy"


class InvalidSchedule(InvalidValue):
    """A listing schedule that is not an aware moment in the future, or lists and delists at
    once (CAT-7)."""

    code = "catalog.invalid_schedule"


class NegativeDimension(InvalidValue):
    code = "catalog.negative_dimension"


class NegativeWeight(InvalidValue):
    code = "catalog.negative_weight"


class InvalidQuantity(InvalidValue):
    code = "catalog.invalid_quantity"


class InvalidPrice(InvalidValue):
    """A price that is not :class:`~shop_domain.shared.money.Money` (CAT-6)."""

    code = "catalog.invalid_price"


class NegativePrice(InvalidValue):
    code = "catalog.negative_price"


class PriceCurrencyMismatch(InvalidValue):
    """A SKU price in another currency than its product's (CAT-6)."""

    code = "catalog.price_currency_mismatch"


class ProductNeedsSku(InvalidValue):
    code = "catalog.product_needs_sku"


class DuplicateSkuId(InvalidValue):
    code = "catalog.duplicate_sku_id"


class InvalidSalesAttributes(InvalidValue):
    code = "catalog.invalid_sales_attributes"


class InvalidAttributeDefinition(InvalidValue):
    code = "catalog.invalid_attribute_definition"


class InvalidSortOrder(InvalidValue):
    code = "catalog.invalid_sort_order"


class InvalidLogoUrl(InvalidValue):
    code = "catalog.invalid_logo_url"
