"""The catalog (product center): back-end and front-end categories, attributes, brands, and
products (SPU) with their SKUs. RULES CAT-1..8."""

from shop_domain.catalog import events, rules
from shop_domain.catalog.attributes import AttributeDefinition
from shop_domain.catalog.categories import Brand, Category
from shop_domain.catalog.errors import (
    BrandNotFound,
    CategoryNotFound,
    FrontCategoryNotFound,
    ProductNotFound,
    ProductNotListed,
    SkuDisabled,
    SkuNotFound,
)
from shop_domain.catalog.front_categories import FrontCategory
from shop_domain.catalog.model import (
    AttributeKind,
    CatalogPolicy,
    Dimensions,
    GoodsKind,
    ListingStatus,
    name_key,
)
from shop_domain.catalog.products import Product
from shop_domain.catalog.sku import Sku, SkuDraft

__all__ = [
    "AttributeDefinition",
    "AttributeKind",
    "Brand",
    "GoodsKind",
    "BrandNotFound",
    "CatalogPolicy",
    "Category",
    "CategoryNotFound",
    "Dimensions",
    "FrontCategory",
    "FrontCategoryNotFound",
    "ListingStatus",
    "Product",
    "ProductNotFound",
    "ProductNotListed",
    "Sku",
    "SkuDisabled",
    "SkuDraft",
    "SkuNotFound",
    "events",
    "name_key",
    "rules",
]
