"""Ordering's :class:`~shop_app.ordering.ports.OrderHolds`: what a pending order holds in other
contexts, taken and given back through *their* commands, run as steps of the ordering command's
own transaction (decision 0043) — all commit together or none does. It lives in the plug-in,
the one place that may know every context's commands (the application contexts import none of
each other's).

- :meth:`Holds.take` at submission (ORD-3, ORD-5): stock reserved, coupons locked, points held,
  promotion participation recorded, gift-card amounts taken (restored if the order is
  cancelled), the ordered lines taken out of the cart.
- :meth:`Holds.release` at cancellation (ORD-5): every one of those given back.
- :meth:`Holds.settle` at payment: coupons used (CPN-9), points captured and purchase points
  earned pending (PTS-5). Stock stays reserved until shipment; gift cards are spent already.
- :meth:`Holds.ship` consumes a child's stock; :meth:`Holds.completed` records growth (MEM-2).

Each command of another context is idempotent per order (and key), so running a step twice —
a retried command — does nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from shop_app.coupons.commands import CouponUse, LockCoupons, ReleaseCoupons, UseCoupons
from shop_app.fulfillment.stock import ConsumeStock, ReleaseStock, ReserveStock, StockLine
from shop_app.giftcards.commands import RestoreGiftCards, SpendGiftCards
from shop_app.loyalty.commands import (
    CaptureHeldPoints,
    EarnPurchasePoints,
    HoldPoints,
    ReleaseHeldPoints,
)
from shop_app.loyalty.membership import OrderCompleted
from shop_app.pricing.participation import RecordParticipation, ReleaseParticipation
from shop_domain.giftcards.usage import RestoreReason, TenderSplit
from shop_domain.ordering.lines import OrderLine
from shop_domain.ordering.order import ChildOrder, Order
from shop_domain.shared.money import Money

Step = Callable[[object, Any], Awaitable[Any]]
"""Runs another context's command inside the caller's unit of work (``MessageBus.run_within``)."""
CartStep = Callable[[uuid.UUID, tuple[uuid.UUID, ...]], object]
"""The command that takes ordered SKUs out of a customer's cart."""

ACTOR = "ordering"


def _stock(lines: Sequence[OrderLine]) -> tuple[StockLine, ...]:
    return tuple(
        StockLine(line.sku_id, line.warehouse_id, line.quantity)
        for line in lines
        if line.warehouse_id is not None
    )


def _ids(order: Order, source: str) -> list[uuid.UUID]:
    return [uuid.UUID(e["source_id"]) for e in order.breakdown if e["source"] == source]


class CommandHolds:
    def __init__(self, step: Step, cart: CartStep | None = None) -> None:
        self._step, self._cart = step, cart

    async def take(
        self,
        order: Order,
        uow: Any,
        *,
        promotions: Sequence[uuid.UUID],
        cart_skus: Sequence[uuid.UUID] | None,
    ) -> None:
        # the customer's own rows first (their coupons, points account, cards, cart), then the
        # rows every order shares (a promotion's tallies, the stock of a SKU), so a hot row is
        # locked last: it stays locked for its own statements, the last flush — on PostgreSQL
        # one statement that writes everything held (decision 0047) — and the commit
        coupons = _ids(order, "coupon")
        if coupons:
            await self._step(
                LockCoupons(order_id=order.id, user_id=order.user_id, coupon_ids=tuple(coupons)),
                uow,
            )
        if order.points_used:
            await self._step(self._points(HoldPoints, order, "hold", points=order.points_used), uow)
        if order.gift_card.is_positive():
            await self._step(
                SpendGiftCards(
                    order_id=order.id,
                    user_id=order.user_id,
                    amount=order.gift_card,
                    card_ids=tuple(order.card_ids),
                    actor=ACTOR,
                    tender=TenderSplit(
                        cash=order.external, points=order.points, gift_cards=order.gift_card
                    ),
                ),
                uow,
            )
        if cart_skus and self._cart is not None:
            await self._step(self._cart(order.user_id, tuple(cart_skus)), uow)
        if promotions:
            await self._step(
                RecordParticipation(
                    order_id=order.id, user_id=order.user_id, promotion_ids=tuple(promotions)
                ),
                uow,
            )
        stock = _stock(order.lines)
        if stock:
            await self._step(ReserveStock(order_id=order.id, lines=stock), uow)

    async def release(self, order: Order, uow: Any) -> None:
        stock = _stock(order.lines)
        if stock:
            await self._step(ReleaseStock(order_id=order.id, lines=stock), uow)
        if _ids(order, "coupon"):
            await self._step(ReleaseCoupons(order_id=order.id), uow)
        if order.points_used:
            await self._step(self._points(ReleaseHeldPoints, order, "release"), uow)
        if _ids(order, "promotion"):
            await self._step(ReleaseParticipation(order_id=order.id), uow)
        if order.gift_card.is_positive():
            await self._step(
                RestoreGiftCards(
                    order_id=order.id,
                    key=f"cancel:{order.id}",
                    reason=RestoreReason.CANCELLED,
                    actor=ACTOR,
                ),
                uow,
            )

    async def settle(self, order: Order, uow: Any) -> None:
        uses = tuple(
            CouponUse(
                coupon_id=uuid.UUID(e["source_id"]), discount=Money(e["amount"], order.currency)
            )
            for e in order.breakdown
            if e["source"] == "coupon"
        )
        if order.points_used:
            await self._step(self._points(CaptureHeldPoints, order, "capture"), uow)
        paid = order.payable.minor
        if paid:
            await self._step(
                EarnPurchasePoints(
                    user_id=order.user_id, order_id=order.id, key="purchase", paid=paid
                ),
                uow,
            )
        if uses:  # last: a template's figures are a row every order of it shares
            await self._step(
                UseCoupons(order_id=order.id, uses=uses, order_amount=order.payable), uow
            )

    async def ship(self, order: Order, child: ChildOrder, uow: Any) -> None:
        stock = _stock(order.lines_of(child.id))
        if stock:
            await self._step(ConsumeStock(order_id=order.id, lines=stock), uow)

    async def completed(self, order: Order, child: ChildOrder, uow: Any) -> None:
        if child.payable.is_positive():
            await self._step(
                OrderCompleted(user_id=order.user_id, order_id=child.id, paid=child.payable.minor),
                uow,
            )

    async def restore_cards(self, order: Order, key: str, amount: Money, uow: Any) -> None:
        await self._step(
            RestoreGiftCards(
                order_id=order.id,
                key=f"refund:{key}",
                reason=RestoreReason.REFUNDED,
                actor=ACTOR,
                amount=amount,
            ),
            uow,
        )

    @staticmethod
    def _points(command: type, order: Order, key: str, **more: int) -> object:
        return command(user_id=order.user_id, order_id=order.id, key=key, **more)


__all__ = ["ACTOR", "CartStep", "CommandHolds", "Step"]
