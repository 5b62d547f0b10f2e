"""Errors of the catalog context. Codes are part of the public contract: never change them."""

from __future__ import annotations

import uuid

from shop_domain.shared.errors import Conflict, NotFound


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
