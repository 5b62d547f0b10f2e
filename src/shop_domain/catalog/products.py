"""The product (SPU) aggregate and its SKUs (CAT-1, CAT-4, CAT-6, CAT-7).

Prices (CAT-6): every SKU price is in the product's ``currency``; the sale price is >= 0 (zero is
allowed: free samples, gifts sold at zero) and the list (market) price is >= the sale price —
it is the reference price shown struck through, so a list price below the sale price would
advertise a negative saving.

Listing (CAT-7) now or on a schedule is :class:`~shop_domain.catalog.listing.ProductListing`;
the SKU entity is :mod:`shop_domain.catalog.sku`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence

import attrs

from shop_domain.catalog import events as ev
from shop_domain.catalog import rules
from shop_domain.catalog.categories import Brand, Category
from shop_domain.catalog.errors import (
    DuplicateSkuId,
    InvalidPrice,
    InvalidQuantity,
    InvalidSalesAttributes,
    InvalidText,
    NegativePrice,
    PriceCurrencyMismatch,
    ProductNeedsSku,
    ProductNotListed,
    SkuDisabled,
    SkuNotFound,
)
from shop_domain.catalog.listing import ProductListing
from shop_domain.catalog.model import (
    MAX_DESCRIPTION_LENGTH,
    MAX_KEY_LENGTH,
    AttributeKind,
    GoodsKind,
    ListingStatus,
    clean_attributes,
    clean_name,
    clean_text,
)
from shop_domain.catalog.sku import MAX_CODE_LENGTH, Sku, SkuDraft, clean_sku_code
from shop_domain.shared.money import Money
from shop_domain.shared.rules import check_rule

# Sku, SkuDraft and MAX_CODE_LENGTH are defined in shop_domain.catalog.sku; the application and
# the persistence adapters still import them from here.
__all__ = ["MAX_CODE_LENGTH", "Product", "Sku", "SkuDraft"]


def _clean_description(value: object) -> str:
    if not isinstance(value, str) or len(value.strip()) > MAX_DESCRIPTION_LENGTH:
        raise InvalidText(
            f"description must be text of at most {MAX_DESCRIPTION_LENGTH} characters",
            details={"field": "description"},
        )
    return value.strip()


def _kind(value: object) -> GoodsKind:
    try:
        return GoodsKind(value)  # type: ignore[arg-type]  # whatever a caller gave, checked here
    except ValueError:
        kinds = ", ".join(k.value for k in GoodsKind)
        raise InvalidText(f"goods are one of {kinds}", details={"field": "kind"}) from None


def _check_spu_attributes(
    category: Category, key_attributes: Mapping[str, str], other_attributes: Mapping[str, str]
) -> None:
    """CAT-4: key and other attributes are the leaf category's, required ones present, values
    among the allowed ones."""
    for kind, given in (
        (AttributeKind.KEY, key_attributes),
        (AttributeKind.OTHER, other_attributes),
    ):
        defined = {d.key: d for d in category.definitions(kind)}
        check_rule(rules.AttributesAreDefined(list(given), list(defined), kind))
        required = [k for k, d in defined.items() if d.is_required]
        check_rule(rules.RequiredAttributesPresent(list(given), required))
        for key, value in given.items():
            check_rule(rules.AttributeValueAllowed(key, value, defined[key].allowed_values))


def _check_sales_keys(category: Category, keys: Sequence[str]) -> list[str]:
    cleaned = [clean_text(k, field="sales attribute", max_length=MAX_KEY_LENGTH) for k in keys]
    if len(set(cleaned)) != len(cleaned):
        raise InvalidSalesAttributes("a sales attribute is listed twice")
    defined = category.definitions(AttributeKind.SALES)
    check_rule(rules.AttributesAreDefined(cleaned, [d.key for d in defined], AttributeKind.SALES))
    check_rule(rules.RequiredAttributesPresent(cleaned, [d.key for d in defined if d.required]))
    return cleaned


@attrs.define(slots=False, eq=False)
class Product(ProductListing):
    """The SPU (standard product unit): what a shopper sees as one product page (CAT-1).

    ``shop_id`` is the merchant that owns it and its SKUs; ``category_id`` a leaf category;
    ``key_attributes`` / ``other_attributes`` map attribute keys to values;
    ``sales_attribute_keys`` are the (ordered) SKU dimensions; ``sales_count`` feeds sorting.
    """

    shop_id: uuid.UUID
    name: str
    description: str
    category_id: uuid.UUID
    brand_id: uuid.UUID | None
    currency: str
    key_attributes: dict[str, str]
    other_attributes: dict[str, str]
    sales_attribute_keys: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime
    skus: list[Sku] = attrs.field(factory=list)
    status: ListingStatus = ListingStatus.UNLISTED
    list_at: dt.datetime | None = None
    delist_at: dt.datetime | None = None
    sales_count: int = 0
    kind: GoodsKind = GoodsKind.PHYSICAL
    """Physical (the default), virtual or cross-border goods."""

    # --- creation -----------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        *,
        id: uuid.UUID,
        shop_id: uuid.UUID,
        name: str,
        description: str,
        category: Category,
        brand: Brand | None,
        currency: str,
        key_attributes: Mapping[str, str],
        other_attributes: Mapping[str, str],
        sales_attribute_keys: Sequence[str],
        skus: Sequence[SkuDraft],
        now: dt.datetime,
        kind: GoodsKind | str = GoodsKind.PHYSICAL,
    ) -> Product:
        """A new, unlisted product. The caller has checked that ``category`` is a leaf and
        that SKU codes are free in the shop."""
        Money.zero(currency)  # validates the currency
        if brand is not None:
            brand.check_allowed_in(category)
        key = clean_attributes(key_attributes, field="key attributes")
        other = clean_attributes(other_attributes, field="other attributes")
        _check_spu_attributes(category, key, other)
        sales_keys = _check_sales_keys(category, sales_attribute_keys)
        if not skus:
            raise ProductNeedsSku("a product needs at least one SKU")
        product = cls(
            id=id,
            shop_id=shop_id,
            name=clean_name(name),
            description=_clean_description(description),
            category_id=category.id,
            brand_id=None if brand is None else brand.id,
            currency=currency,
            key_attributes=key,
            other_attributes=other,
            sales_attribute_keys=sales_keys,
            created_at=now,
            updated_at=now,
            kind=_kind(kind),
        )
        product.record(
            ev.ProductCreated(
                occurred_at=now,
                product_id=id,
                shop_id=shop_id,
                name=product.name,
                category_id=category.id,
                brand_id=product.brand_id,
                sku_ids=tuple(d.id for d in skus),
            )
        )
        for draft in skus:
            product.add_sku(draft, category, now)
        return product

    # --- reading ------------------------------------------------------------------------------
    def sku(self, sku_id: uuid.UUID) -> Sku:
        for sku in self.skus:
            if sku.id == sku_id:
                return sku
        raise SkuNotFound(sku_id)

    def enabled_skus(self) -> list[Sku]:
        return [s for s in self.skus if s.enabled]

    def price_range(self) -> tuple[Money, Money] | None:
        """Lowest and highest sale price of the enabled SKUs (None when none is enabled)."""
        prices = sorted((s.sale_price for s in self.enabled_skus()), key=lambda m: m.minor)
        return (prices[0], prices[-1]) if prices else None

    # --- editing ------------------------------------------------------------------------------
    def update_details(
        self,
        *,
        name: str,
        description: str,
        brand: Brand | None,
        key_attributes: Mapping[str, str],
        other_attributes: Mapping[str, str],
        category: Category,
        now: dt.datetime,
        kind: GoodsKind | str | None = None,
    ) -> None:
        """Replace the descriptive fields (``kind``: the goods kind, kept when ``None``);
        ``category`` is the product's own (for validation). A newly chosen brand must be
        allowed in the category (CAT-5)."""
        new_brand_id = None if brand is None else brand.id
        if brand is not None and new_brand_id != self.brand_id:
            brand.check_allowed_in(category)
        key = clean_attributes(key_attributes, field="key attributes")
        other = clean_attributes(other_attributes, field="other attributes")
        _check_spu_attributes(category, key, other)
        new = {
            "name": clean_name(name),
            "description": _clean_description(description),
            "brand_id": new_brand_id,
            "key_attributes": key,
            "other_attributes": other,
            "kind": self.kind if kind is None else _kind(kind),
        }
        changed = tuple(field for field, value in new.items() if getattr(self, field) != value)
        if not changed:
            return
        for field in changed:
            setattr(self, field, new[field])
        self.updated_at = now
        self.record(ev.ProductUpdated(occurred_at=now, product_id=self.id, changed=changed))

    def _check_prices(self, sale_price: Money, list_price: Money) -> None:
        for price in (sale_price, list_price):
            if not isinstance(price, Money):
                raise InvalidPrice("prices are Money")
            if price.currency != self.currency:
                raise PriceCurrencyMismatch(
                    f"prices of this product are in {self.currency}, not {price.currency}"
                )
            if price.is_negative():
                raise NegativePrice("a price cannot be negative")
        check_rule(rules.ListPriceNotBelowSalePrice(sale_price, list_price))

    def add_sku(self, draft: SkuDraft, category: Category, now: dt.datetime) -> Sku:
        """Add a SKU (CAT-1, CAT-6): one allowed value per sales attribute, a combination and a
        code not used by another SKU of this product."""
        code = clean_sku_code(draft.code)
        check_rule(rules.SkuCodeIsUnique(any(s.code == code for s in self.skus), code))
        if any(s.id == draft.id for s in self.skus):
            raise DuplicateSkuId("duplicate SKU id")
        values = clean_attributes(draft.sales_attributes, field="sales attributes")
        check_rule(rules.OneValuePerSalesAttribute(self.sales_attribute_keys, values))
        for key, value in values.items():
            definition = category.definition(key)
            allowed = () if definition is None else definition.allowed_values
            check_rule(rules.AttributeValueAllowed(key, value, allowed))
        check_rule(rules.SkuCombinationIsUnique([s.sales_attributes for s in self.skus], values))
        self._check_prices(draft.sale_price, draft.list_price)
        position = max((s.position for s in self.skus), default=-1) + 1
        sku = Sku.build(draft, code=code, sales_attributes=values, position=position)
        self.skus.append(sku)
        self.updated_at = now
        self.record(
            ev.SkuAdded(
                occurred_at=now,
                product_id=self.id,
                sku_id=sku.id,
                shop_id=self.shop_id,
                code=sku.code,
                sales_attributes=dict(sku.sales_attributes),
                sale_price=sku.sale_price,
                list_price=sku.list_price,
                enabled=sku.enabled,
            )
        )
        return sku

    def change_sku_price(
        self, sku_id: uuid.UUID, sale_price: Money, list_price: Money, now: dt.datetime
    ) -> None:
        sku = self.sku(sku_id)
        self._check_prices(sale_price, list_price)
        if (sale_price, list_price) == (sku.sale_price, sku.list_price):
            return
        old_sale, old_list = sku.sale_price, sku.list_price
        sku.sale_price, sku.list_price = sale_price, list_price
        self.updated_at = now
        self.record(
            ev.SkuPriceChanged(
                occurred_at=now,
                product_id=self.id,
                sku_id=sku_id,
                old_sale_price=old_sale,
                new_sale_price=sale_price,
                old_list_price=old_list,
                new_list_price=list_price,
            )
        )

    def set_sku_enabled(self, sku_id: uuid.UUID, enabled: bool, now: dt.datetime) -> None:
        """Enable or disable a SKU. Disabling the last enabled SKU of a listed product unlists
        it (reason ``no_enabled_sku``): a listed product always has something to sell."""
        sku = self.sku(sku_id)
        if sku.enabled == bool(enabled):
            return
        self.apply_schedule(now)
        sku.enabled = bool(enabled)
        self.updated_at = now
        event_type = ev.SkuEnabled if sku.enabled else ev.SkuDisabled
        self.record(event_type(occurred_at=now, product_id=self.id, sku_id=sku_id))
        if self.status is ListingStatus.LISTED and not self.enabled_skus():
            self.status = ListingStatus.UNLISTED
            self.record(
                ev.ProductUnlisted(
                    occurred_at=now, product_id=self.id, reason="no_enabled_sku", effective_at=now
                )
            )

    def record_sales(self, quantity: int, now: dt.datetime) -> None:
        """Count units sold (fed by the ordering context; drives the ``sales`` sort)."""
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise InvalidQuantity("quantity must be a whole number >= 1")
        self.sales_count += quantity
        self.record(
            ev.ProductSalesRecorded(
                occurred_at=now,
                product_id=self.id,
                quantity=quantity,
                sales_count=self.sales_count,
            )
        )

    # --- for other contexts -------------------------------------------------------------------
    def ensure_purchasable(self, sku_id: uuid.UUID, now: dt.datetime) -> Sku:
        """Raise unless ``sku_id`` may be put in a cart or ordered at ``now`` (CAT-7): the
        product is effectively listed and the SKU exists and is enabled. Stock is checked by
        the stock context, not here."""
        if not self.is_listed(now):
            raise ProductNotListed(self.id)
        sku = self.sku(sku_id)
        if not sku.enabled:
            raise SkuDisabled(sku_id)
        return sku
