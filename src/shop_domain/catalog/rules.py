"""Business rules of the catalog as objects, each testable on its own.

A rule takes plain data so that both aggregates and handlers (for cross-aggregate checks that
need a repository query) can use it; :func:`shop_domain.shared.check_rule` raises
``BusinessRuleBroken`` carrying the rule's ``code`` and ``kind``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import ClassVar

import attrs

from shop_domain.catalog.model import AttributeKind
from shop_domain.shared.money import Money

# --- categories (CAT-2, CAT-4) ----------------------------------------------------------------


@attrs.frozen
class CategoryDepthWithinLimit:
    """CAT-2: the back-end tree has at most ``max_depth`` levels (3 by default, up to 4)."""

    code: ClassVar[str] = "catalog.category_too_deep"
    kind: ClassVar[str] = "conflict"
    depth: int
    max_depth: int

    def is_broken(self) -> bool:
        return self.depth > self.max_depth

    def message(self) -> str:
        return f"a category at level {self.depth} exceeds the limit of {self.max_depth} levels"


@attrs.frozen
class CategoryIsLeaf:
    """CAT-2/CAT-4: products hang on leaves, and attributes are defined on leaves."""

    code: ClassVar[str] = "catalog.category_not_leaf"
    kind: ClassVar[str] = "conflict"
    has_children: bool

    def is_broken(self) -> bool:
        return self.has_children

    def message(self) -> str:
        return "the category has subcategories: only a leaf category may be used here"


@attrs.frozen
class ParentHoldsNoProducts:
    """A category that holds products stays a leaf (its products must hang on a leaf)."""

    code: ClassVar[str] = "catalog.category_has_products"
    kind: ClassVar[str] = "conflict"
    has_products: bool

    def is_broken(self) -> bool:
        return self.has_products

    def message(self) -> str:
        return "the parent category holds products, so it cannot get subcategories"


@attrs.frozen
class ParentHasNoAttributes:
    """A category with attribute definitions stays a leaf: clear its definitions first."""

    code: ClassVar[str] = "catalog.category_has_attributes"
    kind: ClassVar[str] = "conflict"
    attribute_count: int

    def is_broken(self) -> bool:
        return self.attribute_count > 0

    def message(self) -> str:
        return "the parent category has attribute definitions, so it cannot get subcategories"


@attrs.frozen
class NameIsUnique:
    """A name that must be unique (category among its siblings, brand overall) is free."""

    code: ClassVar[str] = "catalog.name_taken"
    kind: ClassVar[str] = "conflict"
    taken: bool
    name: str

    def is_broken(self) -> bool:
        return self.taken

    def message(self) -> str:
        return f"the name {self.name!r} is already taken"


@attrs.frozen
class CategoryNameIsUnique(NameIsUnique):
    code: ClassVar[str] = "catalog.category_name_taken"


@attrs.frozen
class BrandNameIsUnique(NameIsUnique):
    code: ClassVar[str] = "catalog.brand_name_taken"


@attrs.frozen
class AttributeChangeKeepsProductsValid:
    """Once products use a category, its attribute definitions may only grow compatibly:
    existing attributes keep their kind, do not become required, and keep every allowed value;
    new attributes are optional. Anything else could invalidate products already on sale."""

    code: ClassVar[str] = "catalog.attribute_change_breaks_products"
    kind: ClassVar[str] = "conflict"
    in_use: bool
    # key -> (kind, required, allowed values)
    old: Mapping[str, tuple[AttributeKind, bool, tuple[str, ...]]]
    new: Mapping[str, tuple[AttributeKind, bool, tuple[str, ...]]]

    def problems(self) -> list[str]:
        found: list[str] = []
        for key, (kind, required, allowed) in self.old.items():
            if key not in self.new:
                found.append(f"{key}: removed")
                continue
            new_kind, new_required, new_allowed = self.new[key]
            if new_kind != kind:
                found.append(f"{key}: kind changed")
            if new_required and not required:
                found.append(f"{key}: became required")
            if new_allowed and (not allowed or not set(allowed) <= set(new_allowed)):
                found.append(f"{key}: allowed values narrowed")
        for key, (_kind, required, _allowed) in self.new.items():
            if key not in self.old and required:
                found.append(f"{key}: new and required")
        return found

    def is_broken(self) -> bool:
        return self.in_use and bool(self.problems())

    def message(self) -> str:
        return "products use this category; incompatible changes: " + "; ".join(self.problems())


# --- brands (CAT-5) ---------------------------------------------------------------------------


@attrs.frozen
class BrandAllowedInCategory:
    """CAT-5: a brand restricted to categories may be used in those categories' subtrees only."""

    code: ClassVar[str] = "catalog.brand_not_allowed_in_category"
    kind: ClassVar[str] = "conflict"
    allowed_category_ids: Collection[object]  # empty: any category
    category_lineage: Collection[object]  # the product's category and its ancestors

    def is_broken(self) -> bool:
        if not self.allowed_category_ids:
            return False
        return not any(c in self.allowed_category_ids for c in self.category_lineage)

    def message(self) -> str:
        return "the brand is not allowed in this category"


# --- attributes of a product (CAT-4) ----------------------------------------------------------


@attrs.frozen
class AttributesAreDefined:
    """Every attribute given on a product is defined on its leaf category with that kind."""

    code: ClassVar[str] = "catalog.unknown_attribute"
    kind: ClassVar[str] = "invalid"
    given: Collection[str]
    defined: Collection[str]
    attribute_kind: AttributeKind

    def unknown(self) -> list[str]:
        return sorted(k for k in self.given if k not in self.defined)

    def is_broken(self) -> bool:
        return bool(self.unknown())

    def message(self) -> str:
        return f"not {self.attribute_kind.value} attributes of the category: {self.unknown()}"


@attrs.frozen
class RequiredAttributesPresent:
    """CAT-4: key attributes (and any attribute marked required) must be given."""

    code: ClassVar[str] = "catalog.required_attribute_missing"
    kind: ClassVar[str] = "invalid"
    given: Collection[str]
    required: Collection[str]

    def missing(self) -> list[str]:
        return sorted(k for k in self.required if k not in self.given)

    def is_broken(self) -> bool:
        return bool(self.missing())

    def message(self) -> str:
        return f"required attributes missing: {self.missing()}"


@attrs.frozen
class AttributeValueAllowed:
    """A value is one of the attribute's allowed values, when the category lists them."""

    code: ClassVar[str] = "catalog.attribute_value_not_allowed"
    kind: ClassVar[str] = "invalid"
    key: str
    value: str
    allowed: Collection[str]  # empty: free text

    def is_broken(self) -> bool:
        return bool(self.allowed) and self.value not in self.allowed

    def message(self) -> str:
        return f"{self.value!r} is not an allowed value of {self.key!r}"


@attrs.frozen
class OneValuePerSalesAttribute:
    """CAT-1: a SKU carries exactly one value for each sales attribute of its SPU, no other."""

    code: ClassVar[str] = "catalog.sales_attributes_mismatch"
    kind: ClassVar[str] = "invalid"
    sales_keys: Sequence[str]
    values: Mapping[str, str]

    def is_broken(self) -> bool:
        return set(self.values) != set(self.sales_keys)

    def message(self) -> str:
        return (
            f"a SKU needs exactly one value for each of {list(self.sales_keys)}, "
            f"got {sorted(self.values)}"
        )


@attrs.frozen
class SkuCombinationIsUnique:
    """CAT-1: no two SKUs of an SPU share the same combination of sales attribute values."""

    code: ClassVar[str] = "catalog.sku_combination_taken"
    kind: ClassVar[str] = "conflict"
    existing: Collection[Mapping[str, str]]
    combination: Mapping[str, str]

    def is_broken(self) -> bool:
        return any(dict(other) == dict(self.combination) for other in self.existing)

    def message(self) -> str:
        return f"a SKU with {dict(self.combination)} already exists"


@attrs.frozen
class SkuCodeIsUnique:
    """The merchant SKU code is unique within the shop (the SPU checks its own SKUs, the
    handler the shop's other products)."""

    code: ClassVar[str] = "catalog.sku_code_taken"
    kind: ClassVar[str] = "conflict"
    taken: bool
    sku_code: str

    def is_broken(self) -> bool:
        return self.taken

    def message(self) -> str:
        return f"the SKU code {self.sku_code!r} is already used in this shop"


# --- prices and listing (CAT-6, CAT-7) --------------------------------------------------------


@attrs.frozen
class ListPriceNotBelowSalePrice:
    """The list (market) price is the reference a sale price is shown against, so it is never
    below the sale price (equal means "no saving shown")."""

    code: ClassVar[str] = "catalog.list_price_below_sale_price"
    kind: ClassVar[str] = "invalid"
    sale_price: Money
    list_price: Money

    def is_broken(self) -> bool:
        return self.list_price < self.sale_price

    def message(self) -> str:
        return f"list price {self.list_price} is below sale price {self.sale_price}"


@attrs.frozen
class ListingNeedsEnabledSku:
    """CAT-7: a product goes on sale only with at least one enabled SKU to sell."""

    code: ClassVar[str] = "catalog.no_enabled_sku"
    kind: ClassVar[str] = "conflict"
    enabled_sku_count: int

    def is_broken(self) -> bool:
        return self.enabled_sku_count < 1

    def message(self) -> str:
        return "a product needs at least one enabled SKU to be listed"


@attrs.frozen
class FrontCategoryHasNoChildren:
    """A front category is deleted bottom-up, so no subcategory is left without its parent."""

    code: ClassVar[str] = "catalog.front_category_has_children"
    kind: ClassVar[str] = "conflict"
    has_children: bool

    def is_broken(self) -> bool:
        return self.has_children

    def message(self) -> str:
        return "delete the subcategories of this front category first"
