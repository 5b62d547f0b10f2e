"""The Order aggregate (ORD-2..9): a parent order, the child orders it was split into by shop,
and their lines — made at submission, paid once, cancelled once while unpaid.

States (ORD-4). The parent is ``pending_payment`` until one payment covers it (PAY-1), then
``paid``, or ``cancelled`` — by the user, a timeout (ORD-5) or the system. Each child follows the
physical-goods flow: pending payment → pending shipment → pending receipt → completed, or
pending payment → cancelled; a virtual child goes from paid straight to completed (ORD-8). Every
state change keeps its time. Nothing else moves a state: a transition the flow does not allow
is ``order.invalid_state`` and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from typing import Any, Final

import attrs

from shop_domain.ordering.errors import InvalidOrder, OrderStateConflict
from shop_domain.ordering.events import (
    ChildCompleted,
    ChildShipped,
    OrderCancelled,
    OrderClosed,
    OrderPaid,
    OrderSubmitted,
)
from shop_domain.ordering.lines import Amounts, GoodsKind, HasAmounts, OrderLine
from shop_domain.ordering.split import PlannedChild
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.money import Money

CHANNEL_MAX: Final = 32


class OrderState(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    """The parent only: every child has moved on."""
    PENDING_SHIPMENT = "pending_shipment"
    PENDING_RECEIPT = "pending_receipt"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    CLOSED = "closed"
    """Everything paid was refunded (ORD-4)."""


class CancelReason(enum.StrEnum):
    USER = "user"
    TIMEOUT = "timeout"
    SYSTEM = "system"


def overdue(state: OrderState, expires_at: dt.datetime, now: dt.datetime) -> bool:
    """Whether an order in ``state`` whose time to pay ends at ``expires_at`` is past it at
    ``now`` (ORD-5): still waiting for payment, and the time is up."""
    return state is OrderState.PENDING_PAYMENT and now >= expires_at


@attrs.define(slots=False, eq=False, kw_only=True)
class ChildOrder(HasAmounts):
    id: uuid.UUID
    number: str
    shop_id: uuid.UUID
    kind: GoodsKind
    warehouse_id: uuid.UUID | None
    state: OrderState
    goods: Money
    promotion: Money
    coupon: Money
    points: Money
    shipping: Money
    gift_card: Money
    points_used: int
    paid_at: dt.datetime | None = None
    shipped_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None

    def _move(self, allowed: OrderState, to: OrderState) -> None:
        if self.state is not allowed:
            raise OrderStateConflict(
                f"child order {self.number} is {self.state.value}, not {allowed.value}",
                details={"state": self.state.value, "number": self.number},
            )
        self.state = to


@attrs.define(slots=False, eq=False, kw_only=True)
class Order(Aggregate, HasAmounts):
    number: str
    user_id: uuid.UUID
    member_level: int | None
    channel: str
    state: OrderState
    address: dict[str, str] | None
    """The address snapshot (None when nothing is shipped)."""
    breakdown: list[dict[str, Any]]
    """ORD-9: every discount by source — ``source`` (promotion, coupon, points), ``source_id``,
    ``name``, ``level``, ``amount`` (minor units, summed over the lines)."""
    card_ids: list[uuid.UUID]
    """The gift cards that pay ``gift_card``, in the order they are drawn on."""
    goods: Money
    promotion: Money
    coupon: Money
    points: Money
    shipping: Money
    gift_card: Money
    points_used: int
    created_at: dt.datetime
    expires_at: dt.datetime
    paid_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    cancel_reason: CancelReason | None = None
    closed_at: dt.datetime | None = None
    payment_id: uuid.UUID | None = None
    children: list[ChildOrder] = attrs.Factory(list)
    lines: list[OrderLine] = attrs.Factory(list)

    @classmethod
    def submit(
        cls,
        *,
        id: uuid.UUID,
        number: str,
        user_id: uuid.UUID,
        member_level: int | None,
        channel: str,
        address: dict[str, str] | None,
        breakdown: Sequence[dict[str, Any]],
        card_ids: Sequence[uuid.UUID],
        plan: Sequence[PlannedChild],
        ids: Sequence[uuid.UUID],
        now: dt.datetime,
        expires_at: dt.datetime,
    ) -> Order:
        """The order of ``plan`` (from :func:`~.split.plan_children`); ``ids`` gives one id per
        child and per line, children first."""
        if not plan:
            raise InvalidOrder("an order has at least one line")
        if not 1 <= len(channel) <= CHANNEL_MAX:
            raise InvalidOrder(f"a channel is 1..{CHANNEL_MAX} characters")
        if expires_at <= now:
            raise InvalidOrder("an order must have time to be paid")
        currency = plan[0].lines[0].unit_price.currency
        shipped = any(child.kind is not GoodsKind.VIRTUAL for child in plan)
        if shipped and address is None:
            raise InvalidOrder("goods that are shipped need an address")
        fresh = iter(ids)
        order = cls(
            id=id,
            number=number,
            user_id=user_id,
            member_level=member_level,
            channel=channel,
            state=OrderState.PENDING_PAYMENT,
            address=dict(address) if shipped and address is not None else None,
            breakdown=[dict(entry) for entry in breakdown],
            card_ids=list(card_ids),
            **_money_fields(Amounts.zero(currency)),
            created_at=now,
            expires_at=expires_at,
        )
        for index, planned in enumerate(plan, start=1):
            child = ChildOrder(
                id=next(fresh),
                number=f"{number}-{index:02d}",
                shop_id=planned.shop_id,
                kind=planned.kind,
                warehouse_id=planned.warehouse_id,
                state=OrderState.PENDING_PAYMENT,
                **_money_fields(planned.amounts(currency)),
            )
            order.children.append(child)
            for line in planned.lines:
                facts = line.facts
                order.lines.append(
                    OrderLine(
                        id=next(fresh),
                        child_id=child.id,
                        line_id=line.line_id,
                        sku_id=facts.sku_id,
                        spu_id=facts.spu_id,
                        shop_id=facts.shop_id,
                        warehouse_id=facts.warehouse_id,
                        kind=facts.kind,
                        name=facts.name,
                        attributes=dict(facts.attributes),
                        image=facts.image,
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                        **_money_fields(line.amounts),
                    )
                )
        order.take_amounts(Amounts.sum((c.amounts for c in order.children), currency))
        order.record(
            OrderSubmitted(
                occurred_at=now,
                **order._who(),
                channel=channel,
                payable=order.payable.minor,
                currency=currency,
                children=tuple(c.number for c in order.children),
            )
        )
        return order

    # --- reading ---------------------------------------------------------------------------------
    @property
    def currency(self) -> str:
        return self.goods.currency

    def _who(self) -> dict[str, Any]:
        return {"order_id": self.id, "number": self.number, "user_id": self.user_id}

    def child(self, child_id: uuid.UUID) -> ChildOrder:
        for child in self.children:
            if child.id == child_id:
                return child
        raise InvalidOrder("no such child order", details={"child_id": str(child_id)})

    def lines_of(self, child_id: uuid.UUID) -> list[OrderLine]:
        return [line for line in self.lines if line.child_id == child_id]

    @property
    def external(self) -> Money:
        """What the external payment method is to pay (PAY-1)."""
        return self.amounts.external

    def is_overdue(self, now: dt.datetime) -> bool:
        return overdue(self.state, self.expires_at, now)

    # --- paying and cancelling ---------------------------------------------------------------
    def pay(self, payment_id: uuid.UUID | None, now: dt.datetime) -> None:
        """One payment covers the parent (PAY-1): each child awaits shipment, a virtual child is
        completed (ORD-8)."""
        self._expect(OrderState.PENDING_PAYMENT)
        self.state, self.paid_at, self.payment_id = OrderState.PAID, now, payment_id
        for child in self.children:
            child.paid_at = now
            child._move(OrderState.PENDING_PAYMENT, OrderState.PENDING_SHIPMENT)
        self.record(
            OrderPaid(
                occurred_at=now,
                **self._who(),
                channel=self.channel,
                payable=self.payable.minor,
                external=self.external.minor,
                gift_card=self.gift_card.minor,
                points_used=self.points_used,
                currency=self.currency,
                payment_id=payment_id,
                children=tuple(c.number for c in self.children),
            )
        )
        for child in self.children:
            if child.kind is GoodsKind.VIRTUAL:
                child._move(OrderState.PENDING_SHIPMENT, OrderState.COMPLETED)
                self._completed(child, now)

    def cancel(self, reason: CancelReason, now: dt.datetime) -> bool:
        """Cancel the unpaid order (ORD-5); ``False`` if it was cancelled already (a timeout
        and the customer at once). A paid order is not cancelled here (ORD-6 is after-sales')."""
        if self.state is OrderState.CANCELLED:
            return False
        self._expect(OrderState.PENDING_PAYMENT)
        self.state, self.cancelled_at, self.cancel_reason = OrderState.CANCELLED, now, reason
        for child in self.children:
            child._move(OrderState.PENDING_PAYMENT, OrderState.CANCELLED)
            child.cancelled_at = now
        self.record(OrderCancelled(occurred_at=now, **self._who(), reason=reason.value))
        return True

    def close_refunded(self, now: dt.datetime) -> None:
        """Everything the order paid has been refunded (ORD-4): it and its children are
        closed, whatever their progress."""
        self._expect(OrderState.PAID)
        self.state, self.closed_at = OrderState.CLOSED, now
        for child in self.children:
            child.state = OrderState.CLOSED
        self.record(OrderClosed(occurred_at=now, **self._who()))

    # --- after payment -------------------------------------------------------------------------
    def ship(self, child_id: uuid.UUID, now: dt.datetime) -> ChildOrder:
        child = self.child(child_id)
        if child.kind is GoodsKind.VIRTUAL:
            raise OrderStateConflict(
                "virtual goods are not shipped (ORD-8)", details={"state": child.state.value}
            )
        child._move(OrderState.PENDING_SHIPMENT, OrderState.PENDING_RECEIPT)
        child.shipped_at = now
        warehouses = sorted({ln.warehouse_id for ln in self.lines_of(child.id) if ln.warehouse_id})
        self.record(
            ChildShipped(
                occurred_at=now,
                **self._who(),
                child_id=child.id,
                child_number=child.number,
                warehouse_ids=tuple(warehouses),
            )
        )
        return child

    def receive(self, child_id: uuid.UUID, now: dt.datetime) -> ChildOrder:
        child = self.child(child_id)
        child._move(OrderState.PENDING_RECEIPT, OrderState.COMPLETED)
        self._completed(child, now)
        return child

    def _completed(self, child: ChildOrder, now: dt.datetime) -> None:
        child.completed_at = now
        self.record(
            ChildCompleted(
                occurred_at=now,
                **self._who(),
                child_id=child.id,
                child_number=child.number,
                paid=child.payable.minor,
                currency=self.currency,
            )
        )

    def _expect(self, state: OrderState) -> None:
        if self.state is not state:
            raise OrderStateConflict(
                f"order {self.number} is {self.state.value}, not {state.value}",
                details={"state": self.state.value, "number": self.number},
            )


def _money_fields(amounts: Amounts) -> dict[str, Any]:
    """The amounts as the keyword arguments of a line, a child or an order (same names)."""
    return attrs.asdict(amounts, recurse=False)


__all__ = ["CancelReason", "ChildOrder", "Order", "OrderState", "overdue"]
