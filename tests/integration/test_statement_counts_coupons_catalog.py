"""How many statements the hot commands of coupons, the catalog and stock send, pinned.

The counts are the table of ``test_statement_counts`` (whose docstring says how these tests
work); the backends and the base are shared with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from tests.integration.test_statement_counts import (
    OPS,
    OnPostgres,
    OnSqlite,
    StatementCounts,
    cny,
)

from shop_adapters.runtime import Runtime
from shop_adapters.sql.driver import recording
from shop_app.catalog import commands as cat
from shop_app.catalog.ports import CatalogQueries
from shop_app.coupons import commands as cpn
from shop_app.coupons.results import Acquired
from shop_app.fulfillment.stock import AdjustStock, CreateWarehouse, ReserveStock, StockLine
from shop_domain.coupons import Benefit, CouponKind, CouponTerms, Limits, TemplateDefinition
from shop_domain.coupons import Validity as CouponValidity


class CouponCounts(StatementCounts):
    """Claims decided in batches (CPN-2) and coupons locked to an order (CPN-5)."""

    async def template(self, shop: Runtime) -> uuid.UUID:
        """An active template of stackable 5-yuan coupons, five per user."""
        definition = TemplateDefinition(
            name="counted",
            terms=CouponTerms(benefit=Benefit(CouponKind.CASH, value=cny(500)), stackable=True),
            validity=CouponValidity.relative(7),
            limits=Limits(total_quantity=1_000, per_user=5),
        )
        template_id: uuid.UUID = await shop.bus.handle(
            cpn.CreateTemplate(definition=definition, created_by=OPS)
        )
        await shop.bus.handle(cpn.ActivateTemplate(template_id=template_id))
        return template_id

    @pytest.mark.parametrize("keyed", [False, True], ids=["no keys", "keys"])
    async def test_a_claim_batch_sends_as_many_statements_for_50_claims_as_for_1(
        self, shop: Runtime, keyed: bool
    ) -> None:
        template_id = await self.template(shop)
        label = "ClaimBatch, 1 or 50 claims" + (" with keys" if keyed else "")
        expected = [
            f"SELECT coupon_templates{self.locked}",
            *(["SELECT coupons"] if keyed else []),  # earlier claims with these keys
            "SELECT coupons",  # the users' holdings, all at once
            # one executemany each; on PostgreSQL one statement
            *self.together(
                "INSERT coupons",
                "UPDATE coupon_templates",
                "INSERT coupon_stats ON CONFLICT",
                "INSERT outbox",
            ),
        ]
        for size in (1, 50):
            claims = tuple(
                cpn.ClaimCoupon(
                    template_id=template_id, user_id=uuid.uuid4(), key=f"k{n}" if keyed else None
                )
                for n in range(size)
            )
            with recording() as sent:
                answers = await shop.bus.handle(
                    cpn.ClaimBatch(template_id=template_id, claims=claims)
                )
            assert [type(answer) for answer in answers] == [Acquired] * size
            self.check(sent, label, *expected)

    async def coupons(self, shop: Runtime, count: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
        """A user's ``count`` stackable coupons, each of its own template."""
        user, ids = uuid.uuid4(), []
        for _ in range(count):
            template_id = await self.template(shop)
            claim = cpn.ClaimCoupon(template_id=template_id, user_id=user)
            [acquired] = await shop.bus.handle(
                cpn.ClaimBatch(template_id=template_id, claims=(claim,))
            )
            ids.append(acquired.coupon_id)
        return user, ids

    def locked_coupons(self, count: int) -> list[str]:
        return [
            # the coupons the order holds already and those asked for, at once
            f"SELECT coupons{self.locked}",
            # every template at once; one coupon breaks no rule of two, its template is not read
            *(["SELECT coupon_templates"] if count > 1 else []),
            # versioned: one each, or all at once for the rows held locked; every template's
            # totals in one executemany
            *self.together(
                *["UPDATE coupons"] * (1 if self.batched else count),
                "INSERT coupon_stats ON CONFLICT",
                "INSERT outbox",
            ),
        ]

    @pytest.mark.parametrize(
        ("count", "label"), [(1, "LockCoupons, 1 coupon"), (3, "LockCoupons, 3 coupons")]
    )
    async def test_lock_coupons(self, shop: Runtime, count: int, label: str) -> None:
        user, ids = await self.coupons(shop, count)
        command = cpn.LockCoupons(order_id=uuid.uuid4(), user_id=user, coupon_ids=tuple(ids))
        with recording() as sent:
            locked = await shop.bus.handle(command)
        assert [c.coupon_id for c in locked.coupons] == ids
        self.check(sent, label, *self.locked_coupons(count))


class CatalogCounts(StatementCounts):
    """Product changes: load the product with its SKUs, change, save."""

    async def product(self, shop: Runtime) -> tuple[uuid.UUID, uuid.UUID]:
        """A product with three SKUs, and its first SKU."""
        bus = shop.bus
        root = await bus.handle(cat.CreateCategory(name="Root"))
        leaf = await bus.handle(cat.CreateCategory(name="Leaf", parent_id=root))
        colour = cat.AttributeSpec("colour", "Colour", "sales")
        await bus.handle(cat.DefineCategoryAttributes(category_id=leaf, attributes=(colour,)))
        product_id: uuid.UUID = await bus.handle(
            cat.CreateProduct(
                shop_id=uuid.UUID(int=1),
                name="Counted",
                category_id=leaf,
                currency="CNY",
                sales_attribute_keys=("colour",),
                skus=tuple(
                    cat.NewSku(
                        code=f"C-{value}",
                        sale_price=cny(9_900),
                        list_price=cny(12_900),
                        sales_attributes={"colour": value},
                    )
                    for value in ("red", "green", "blue")
                ),
            )
        )
        queries = shop.get(CatalogQueries)
        detail = await queries.product_detail(product_id, shop.clock.now(), True)
        return product_id, detail.skus[0].id

    @pytest.mark.parametrize(
        ("label", "change", "changed"),
        [
            (
                "ChangeSkuPrice",
                lambda p, s: cat.ChangeSkuPrice(p, s, cny(9_800), cny(12_900)),
                "min_price_minor",
            ),
        ],
    )
    async def test_a_product_change(
        self,
        shop: Runtime,
        label: str,
        change: Callable[[uuid.UUID, uuid.UUID], object],
        changed: str,
    ) -> None:
        product_id, sku_id = await self.product(shop)
        command = change(product_id, sku_id)
        with recording() as sent:
            await shop.bus.handle(command)
        self.check(
            sent,
            label,
            "SELECT products",  # optimistic: the versioned UPDATE checks
            "SELECT skus",
            "UPDATE products",  # the version and the totals the change moved
            *self.together("UPDATE skus", "INSERT outbox"),  # the changed SKU only
        )
        assert f"{changed}=" in sent[3].replace(" ", "")

    async def test_a_change_to_what_is_there_writes_nothing(self, shop: Runtime) -> None:
        product_id, sku_id = await self.product(shop)
        with recording() as sent:
            await shop.bus.handle(cat.ChangeSkuPrice(product_id, sku_id, cny(9_900), cny(12_900)))
        self.check(sent, "ChangeSkuPrice, to the price it has", "SELECT products", "SELECT skus")


class StockCounts(StatementCounts):
    """Stock changes (STK-1): the item locked, changed, saved, and the catalog's view of it
    (``sku_stock``, ADR 0045) upserted in the same transaction — one statement more."""

    async def stocked(self, shop: Runtime) -> tuple[uuid.UUID, uuid.UUID]:
        house = await shop.bus.handle(
            CreateWarehouse(code="W1", name="W1", regions=frozenset({"310000"}))
        )
        sku = uuid.uuid4()
        await shop.bus.handle(
            AdjustStock(sku_id=sku, warehouse_id=house, change=10, reason="in", actor="op")
        )
        return sku, house

    async def test_adjust_stock(self, shop: Runtime) -> None:
        sku, house = await self.stocked(shop)
        with recording() as sent:
            await shop.bus.handle(
                AdjustStock(sku_id=sku, warehouse_id=house, change=5, reason="in", actor="op")
            )
        self.check(sent, "AdjustStock", *self.adjusted)

    async def test_reserve_stock(self, shop: Runtime) -> None:
        sku, house = await self.stocked(shop)
        order = uuid.uuid4()
        with recording() as sent:
            await shop.bus.handle(ReserveStock(order_id=order, lines=(StockLine(sku, house, 3),)))
        self.check(sent, "ReserveStock, 1 line", *self.reserved)

    @property
    def adjusted(self) -> list[str]:
        return [
            "SELECT warehouses",
            f"SELECT stock_items{self.locked}",
            # the catalog's view in the same transaction, in the same statement on PostgreSQL
            *self.together("UPDATE stock_items", "INSERT sku_stock ON CONFLICT", "INSERT outbox"),
        ]

    @property
    def reserved(self) -> list[str]:
        return [
            f"SELECT stock_items{self.locked}",
            "SELECT stock_reservations",
            *self.together(
                "UPDATE stock_items",
                "INSERT stock_reservations",
                "INSERT sku_stock ON CONFLICT",  # the catalog's view, in the same transaction
                "INSERT outbox",
            ),
        ]


class TestStockOnPostgres(OnPostgres, StockCounts):
    pass


class TestStockOnSqlite(OnSqlite, StockCounts):
    pass


class TestCouponsOnPostgres(OnPostgres, CouponCounts):
    pass


class TestCouponsOnSqlite(OnSqlite, CouponCounts):
    pass


class TestCatalogOnPostgres(OnPostgres, CatalogCounts):
    pass


class TestCatalogOnSqlite(OnSqlite, CatalogCounts):
    pass
