"""A product (SPU) driven through random command sequences against a simple model (CAT-1,
CAT-6, CAT-7): unique combinations, listing only with an enabled SKU, no negative prices, and
every observable change recorded as an event. (Stock is fulfillment's, not the product's: see
test_sku_stock_projection.)"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from shop_domain.catalog import (
    AttributeDefinition,
    CatalogPolicy,
    Category,
    Dimensions,
    ListingStatus,
    Product,
    Sku,
    SkuDraft,
)
from shop_domain.shared import DomainError, Money
from shop_testing.strategies import products

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
COLOURS = ["red", "blue", "black"]
STORAGES = ["128G", "256G"]
prices = st.integers(min_value=-5, max_value=10_000)


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


def make_category() -> Category:
    category = Category.create(
        id=uuid.uuid4(), name="Phones", parent=None, policy=CatalogPolicy(), now=T0
    )
    category.define_attributes(
        [
            AttributeDefinition.build(
                key="colour", name="C", kind="sales", required=True, allowed_values=COLOURS
            ),
            AttributeDefinition.build(
                key="storage", name="S", kind="sales", required=True, allowed_values=STORAGES
            ),
        ],
        in_use=False,
        now=T0,
    )
    return category


def snapshot(product: Product, now: dt.datetime) -> Any:
    """What can be observed: the effective listing state, the schedules still pending, the SKUs.
    (Applying a due schedule that changes nothing, e.g. a listing of a listed product, only
    clears it: not an observable change.)"""

    def pending(moment: dt.datetime | None) -> dt.datetime | None:
        return moment if moment is not None and moment > now else None

    return (
        product.is_listed(now),
        pending(product.list_at),
        pending(product.delist_at),
        tuple(
            (
                s.id,
                s.sale_price,
                s.list_price,
                s.enabled,
                tuple(s.sales_attributes.items()),
            )
            for s in product.skus
        ),
    )


@pytest.mark.rule("CAT-1")
class ProductMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.category = make_category()
        self.now = T0
        self.model: dict[uuid.UUID, dict[str, Any]] = {}
        self.product: Product
        self.codes = 0

    def draft(self, colour: str, storage: str, sale: int, extra: int, on: bool) -> SkuDraft:
        self.codes += 1
        return SkuDraft(
            id=uuid.uuid4(),
            code=f"C{self.codes}",
            sales_attributes={"colour": colour, "storage": storage},
            sale_price=cny(sale),
            list_price=cny(sale + extra),
            dimensions=Dimensions(1, 2, 3),
            enabled=on,
        )

    def remember(self, draft: SkuDraft | Sku) -> None:
        self.model[draft.id] = {
            "combo": (draft.sales_attributes["colour"], draft.sales_attributes["storage"]),
            "sale": draft.sale_price.minor,
            "list": draft.list_price.minor,
            "enabled": draft.enabled,
        }

    def do(self, action: Callable[[], None], *, fails_with: str | None = None) -> bool:
        """Run ``action``; a change of observable state must come with new events, a failure
        must change nothing. Returns whether it succeeded."""
        before, events = snapshot(self.product, self.now), len(self.product.pending_events)
        failure: DomainError | None = None
        try:
            action()
        except DomainError as error:
            failure = error
        if failure is not None:
            assert fails_with is not None, f"unexpected {failure.code}"
            assert failure.code == fails_with
            assert snapshot(self.product, self.now) == before
            return False
        assert fails_with is None, f"expected {fails_with}"
        if snapshot(self.product, self.now) != before:
            assert len(self.product.pending_events) > events
        return True

    @initialize(data=st.data())
    def create(self, data: st.DataObject) -> None:
        """Start from any product the kit draws in the machine's category (both sales
        attributes are required): 1..3 SKUs, listed or not, prices up to 100 yuan."""
        self.product = data.draw(
            products(
                category=self.category,
                currency="CNY",
                now=self.now,
                max_skus=3,
                max_price_minor=10_000,
                code_prefix="K-",
            ),
            label="product",
        )
        for sku in self.product.skus:
            self.remember(sku)

    def sku_id(self, index: int) -> uuid.UUID:
        return self.product.skus[index % len(self.product.skus)].id

    @rule(
        colour=st.sampled_from(COLOURS),
        storage=st.sampled_from(STORAGES),
        sale=prices,
        extra=st.integers(-5, 500),
        on=st.booleans(),
    )
    def add_sku(self, colour: str, storage: str, sale: int, extra: int, on: bool) -> None:
        draft = self.draft(colour, storage, sale, extra, on)
        expected = None
        if any(m["combo"] == (colour, storage) for m in self.model.values()):
            expected = "catalog.sku_combination_taken"
        elif sale < 0 or sale + extra < 0:
            expected = "catalog.negative_price"
        elif extra < 0:
            expected = "catalog.list_price_below_sale_price"
        if self.do(
            lambda: self.product.add_sku(draft, self.category, self.now), fails_with=expected
        ):
            self.remember(draft)

    @rule(index=st.integers(0, 10), sale=prices, extra=st.integers(-5, 500))
    def change_price(self, index: int, sale: int, extra: int) -> None:
        sku_id = self.sku_id(index)
        expected = (
            "catalog.negative_price"
            if sale < 0 or sale + extra < 0
            else "catalog.list_price_below_sale_price"
            if extra < 0
            else None
        )
        action = lambda: self.product.change_sku_price(  # noqa: E731
            sku_id, cny(sale), cny(sale + extra), self.now
        )
        if self.do(action, fails_with=expected):
            self.model[sku_id].update(sale=sale, list=sale + extra)

    @rule(index=st.integers(0, 10), on=st.booleans())
    def set_enabled(self, index: int, on: bool) -> None:
        sku_id = self.sku_id(index)
        self.do(lambda: self.product.set_sku_enabled(sku_id, on, self.now))
        self.model[sku_id]["enabled"] = on

    @rule()
    def list_for_sale(self) -> None:
        has_enabled = any(m["enabled"] for m in self.model.values())
        expected = None if has_enabled else "catalog.no_enabled_sku"
        if self.do(lambda: self.product.list_for_sale(self.now), fails_with=expected):
            assert self.product.is_listed(self.now)

    @rule()
    def unlist(self) -> None:
        self.do(lambda: self.product.unlist(self.now))
        assert not self.product.is_listed(self.now)

    @rule(
        list_in=st.none() | st.integers(1, 300),
        delist_in=st.none() | st.integers(1, 300),
    )
    def schedule(self, list_in: int | None, delist_in: int | None) -> None:
        list_at = None if list_in is None else self.now + dt.timedelta(minutes=list_in)
        delist_at = None if delist_in is None else self.now + dt.timedelta(minutes=delist_in)
        expected = (
            "catalog.invalid_schedule" if list_at is not None and list_at == delist_at else None
        )
        self.do(
            lambda: self.product.schedule_listing(
                list_at=list_at, delist_at=delist_at, now=self.now
            ),
            fails_with=expected,
        )

    @rule(minutes=st.integers(1, 200))
    def advance(self, minutes: int) -> None:
        self.now += dt.timedelta(minutes=minutes)

    @precondition(
        lambda self: self.product.list_at is not None or self.product.delist_at is not None
    )
    @rule()
    def sweep(self) -> None:
        expected = self.product.is_listed(self.now)
        self.do(lambda: self.product.apply_schedule(self.now) and None)
        assert (self.product.status is ListingStatus.LISTED) == expected
        assert self.product.is_listed(self.now) == expected

    # --- invariants ---------------------------------------------------------------------------
    @invariant()
    def skus_match_the_model(self) -> None:
        assert {s.id for s in self.product.skus} == set(self.model)
        for sku in self.product.skus:
            expected = self.model[sku.id]
            assert sku.sale_price.minor == expected["sale"]
            assert sku.list_price.minor == expected["list"]
            assert sku.enabled == expected["enabled"]

    @invariant()
    def combinations_are_unique(self) -> None:
        combos = [tuple(sorted(s.sales_attributes.items())) for s in self.product.skus]
        assert len(combos) == len(set(combos))
        assert all(set(s.sales_attributes) == {"colour", "storage"} for s in self.product.skus)

    @invariant()
    def listed_implies_an_enabled_sku(self) -> None:
        has_enabled = any(s.enabled for s in self.product.skus)
        if self.product.status is ListingStatus.LISTED or self.product.is_listed(self.now):
            assert has_enabled

    @invariant()
    def no_negative_prices(self) -> None:
        for sku in self.product.skus:
            assert not sku.sale_price.is_negative()
            assert sku.list_price >= sku.sale_price

    @invariant()
    def the_effective_state_is_what_the_sweep_would_store(self) -> None:
        swept = copy.deepcopy(self.product)
        swept.apply_schedule(self.now)
        assert (swept.status is ListingStatus.LISTED) == self.product.is_listed(self.now)

    @invariant()
    def event_payloads_are_json_ready(self) -> None:
        for event in self.product.pending_events[-3:]:
            event.payload()


ProductMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestProductMachine = pytest.mark.rule("CAT-7")(
    pytest.mark.rule("CAT-6")(pytest.mark.rule("CAT-1")(ProductMachine.TestCase))
)
