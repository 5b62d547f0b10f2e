"""Ports of ordering: its repositories on the unit of work, and what it reads of other contexts
at checkout (the catalog's SKU facts, the stock that can serve an address, the freight)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

import attrs

from shop_app.shared.ports import Clock, IdGenerator
from shop_domain.fulfillment.freight_quote import FreightLine
from shop_domain.ordering.lines import GoodsKind
from shop_domain.ordering.order import ChildOrder, Order, OrderState
from shop_domain.ordering.payment import Payment
from shop_domain.pricing.engine import Quote
from shop_domain.shared.money import Money


class OrderRepository(Protocol):
    def add(self, order: Order) -> None: ...

    async def get_for_update(self, id_: uuid.UUID) -> Order:
        """The order, locked until the transaction ends (``order.not_found``)."""
        ...

    async def find(self, id_: uuid.UUID) -> Order | None: ...

    async def for_payment(self, number: str) -> Order | None:
        """The order of the payment the gateway knows by ``number``, locked until the
        transaction ends (None: no such payment) — one statement, before its payment (one
        order of locks for every command). Its lines are not read (``Unread``): paying moves
        the order and its children only."""
        ...


@attrs.frozen(kw_only=True)
class Payable:
    """An order and its payment as starting to pay reads them: no aggregate and no lock, since
    starting writes nothing (the gateway payment is created after the commit, and whatever
    happens to the order meanwhile is settled when the money lands)."""

    order_id: uuid.UUID
    order_number: str
    user_id: uuid.UUID
    state: OrderState
    expires_at: dt.datetime
    payment_id: uuid.UUID
    payment_number: str
    external: Money
    paid_since: int
    """What the customer's payments took through the external method since the ``since`` the
    read was given (minor units; pending ones count too, this one among them) — PAY-6's daily
    limit."""


class PaymentRepository(Protocol):
    def add(self, payment: Payment) -> None: ...

    async def payable(self, order_id: uuid.UUID, since: dt.datetime) -> Payable | None:
        """The order ``order_id`` and its payment, with what its customer paid ``since`` (None:
        no such order) — one read."""
        ...

    async def of_order(self, order_id: uuid.UUID) -> Payment:
        """The order's payment, locked (``payment.not_found``)."""
        ...

    async def order_of(self, number: str) -> uuid.UUID | None:
        """The order of the payment the gateway knows by ``number`` (not locked: the order is
        locked first, then its payment — one order of locks for every command)."""
        ...

    async def with_refunds_due(self, limit: int) -> list[uuid.UUID]:
        """Orders whose payment has a refund not yet given back by the gateway."""
        ...


class OrderingUnitOfWork(Protocol):
    orders: OrderRepository
    payments: PaymentRepository
    clock: Clock
    ids: IdGenerator
    committed_events: Sequence[Any]
    """What the transaction committed (empty until it has, and after a rollback)."""

    def after_transaction(self, callback: Callable[[], Awaitable[object]]) -> None: ...


@attrs.frozen(kw_only=True)
class SkuFacts:
    """What an order keeps of a SKU and what its freight is computed from."""

    sku_id: uuid.UUID
    spu_id: uuid.UUID
    shop_id: uuid.UUID
    kind: GoodsKind
    name: str
    attributes: Mapping[str, str]
    weight_g: int
    freight_template_id: uuid.UUID | None


class OrderCatalog(Protocol):
    async def facts_of(self, sku_ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, SkuFacts]:
        """The SKUs of ``sku_ids`` the catalog has, by id."""
        ...


class StockSource(Protocol):
    async def warehouses_for(
        self, needs: Mapping[uuid.UUID, int], region: str | None
    ) -> Mapping[uuid.UUID, uuid.UUID]:
        """For each SKU of ``needs`` (SKU → units), the warehouse it is reserved from: one that
        serves ``region`` (any, when None) and has the units available now — the one with the
        most available; a SKU no warehouse can serve is left out."""
        ...


class OrderHolds(Protocol):
    """What an order holds in the other contexts — stock, coupons, points, promotion
    participation, gift-card amounts — taken and given back through their commands, as steps of
    the ordering command's own transaction (decision 0043). The plug-in implements it."""

    async def take(
        self,
        order: Order,
        uow: Any,
        *,
        promotions: Sequence[uuid.UUID],
        cart_skus: Sequence[uuid.UUID] | None,
    ) -> None:
        """Submission: every hold, or an error and none (the transaction rolls back); the
        ``cart_skus`` (None for buy-now) leave the customer's cart."""
        ...

    async def release(self, order: Order, uow: Any) -> None:
        """Cancellation (ORD-5): every hold given back."""
        ...

    async def settle(self, order: Order, uow: Any) -> None:
        """Payment: coupons used, points captured, purchase points earned pending (PTS-5)."""
        ...

    async def ship(self, order: Order, child: ChildOrder, uow: Any) -> None:
        """A child shipped: its stock consumed."""
        ...

    async def completed(self, order: Order, child: ChildOrder, uow: Any) -> None:
        """A child completed: the growth of what it paid (MEM-2)."""
        ...

    async def restore_cards(self, order: Order, key: str, amount: Money, uow: Any) -> None:
        """A refund's gift-card share back to the cards (GC-8), once per ``key``."""
        ...


@attrs.frozen(kw_only=True)
class CheckoutItem:
    """``quantity`` of a SKU a customer checks out."""

    sku_id: uuid.UUID
    quantity: int


class CartPricing(Protocol):
    async def quote(
        self,
        *,
        user_id: uuid.UUID,
        items: Sequence[CheckoutItem],
        coupons: frozenset[uuid.UUID] | None,
        points: int,
        channel: str,
        now: dt.datetime,
        every_coupon: bool = True,
    ) -> Quote:
        """Pricing's quote of the items for the customer (its codes for bad input);
        ``every_coupon`` False: no verdict on the coupons not chosen (a submission's)."""
        ...


class Freight(Protocol):
    async def fees(
        self, shops: Mapping[uuid.UUID, Sequence[FreightLine]], region: str
    ) -> Mapping[uuid.UUID, Money]:
        """Each shop's fee for its shipped lines to ``region`` (SHP-1)."""
        ...


class CustomerLevels(Protocol):
    async def level_of(self, user_id: uuid.UUID) -> int | None:
        """The customer's member level now (ORD-9 keeps it on the order); None without a
        membership programme."""
        ...


class NoLevels:
    async def level_of(self, user_id: uuid.UUID) -> int | None:
        return None


class OrderIds(Protocol):
    def draw(self) -> int:
        """A random number in [0, 10^10) for an order number (ORD-7)."""
        ...


@attrs.frozen(kw_only=True)
class TenderCard:
    """A gift card of the customer's that can pay now (GC-7), as the checkout offers it."""

    card_id: uuid.UUID
    number: str
    balance: Money
    valid_until: dt.datetime | None


class GiftCardWallet(Protocol):
    async def usable(self, user_id: uuid.UUID, now: dt.datetime) -> Sequence[TenderCard]:
        """The customer's cards that can pay at ``now`` — activated, their batch open, inside
        their validity, with a balance — soonest expiry first."""
        ...


@attrs.frozen(kw_only=True)
class OrderingPolicy:
    """The installation's ordering rules (``SHOP_ORDER_*``)."""

    payment_timeout: dt.timedelta = dt.timedelta(minutes=30)
    """ORD-5: how long an order waits for payment."""
    cross_border_limit: int = 200_000
    """ORD-3: the most a cross-border child order may be worth, in minor units (2000 CNY)."""
    max_payment: int = 5_000_000
    """PAY-6: the most one payment's external part may be (minor units)."""
    max_daily: int = 20_000_000
    """PAY-6: the most a customer may pay externally in a day (minor units)."""
    attempts_per_minute: int = 10
    """PAY-6: payment starts per customer per minute."""
    gateway: str = "fake"


__all__ = [
    "CartPricing",
    "CheckoutItem",
    "CustomerLevels",
    "NoLevels",
    "Freight",
    "GiftCardWallet",
    "OrderHolds",
    "OrderCatalog",
    "OrderIds",
    "OrderRepository",
    "OrderingPolicy",
    "OrderingUnitOfWork",
    "PaymentRepository",
    "SkuFacts",
    "StockSource",
    "TenderCard",
]
