"""Invariant checks of orders and payments (ORD-2..5, MON-3, MON-4, PAY-2, PAY-5): for
embedders' tests and ours. Each reads aggregates (no runtime) and raises
:class:`~shop_testing.invariants.base.InvariantBroken` listing every breach.

- :func:`check_split` — a plan of children against the priced lines, fees and gift card it was
  made of: quantities kept per line and SKU; each line's goods, discounts and points kept over
  its pieces; each shop's fee wholly on its shipped lines, by MON-3 over what they pay for goods;
  the gift cards' amount exactly, by MON-3 over the lines' payable; no line negative or paying
  more by card than it owes (MON-4); children by shop and kind, cross-border ones by warehouse
  and within the value limit (ORD-3);
- :func:`check_order_amounts` — every amount of the parent is the sum over its children, each
  child's the sum over its lines, and every line has payable ≥ gift card ≥ 0 (ORD-2, MON-4);
- :func:`check_order_states` — states and their times agree (ORD-4, ORD-8);
- :func:`check_payment` — refunds never exceed what each tender paid, tenders are the order's,
  states and times agree (PAY-2, PAY-5).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from shop_domain.ordering.lines import AMOUNT_FIELDS, Amounts, GoodsKind
from shop_domain.ordering.order import Order, OrderState
from shop_domain.ordering.payment import Payment, PaymentState, RefundState
from shop_domain.ordering.split import PlannedChild, PlannedLine, PricedLine
from shop_domain.shared.money import Money
from shop_testing.invariants.base import Findings
from shop_testing.invariants.money import allocation_breaches


def _line_breaches(found: Findings, name: str, amounts: Amounts, kind: GoodsKind) -> None:
    """One line's money on its own (MON-4, ORD-2)."""
    for field in AMOUNT_FIELDS:
        value: Money = getattr(amounts, field)
        found.expect(not value.is_negative(), f"{name}: {field} is {value}")
    found.expect(amounts.points_used >= 0, f"{name}: points used {amounts.points_used}")
    found.expect(
        amounts.discounts <= amounts.goods,
        f"{name}: discounts {amounts.discounts} above its goods {amounts.goods} (MON-4)",
    )
    found.expect(
        amounts.gift_card <= amounts.payable,
        f"{name}: gift cards pay {amounts.gift_card} of a payable {amounts.payable} (MON-4)",
    )
    if kind is GoodsKind.VIRTUAL:
        found.expect(amounts.shipping.is_zero(), f"{name}: virtual goods charged shipping")


def _origin(line_id: str, known: Mapping[str, PricedLine]) -> str:
    """The priced line a planned line comes from (a cut one is ``<id>#<n>``)."""
    return line_id if line_id in known else line_id.rpartition("#")[0]


def _weights(fee: Money, bases: list[int], weights: list[int]) -> list[int]:
    """The bases the split spreads a fee by: what the lines pay for goods, their pieces when
    that is nothing at all."""
    return bases if fee.is_zero() or any(bases) else weights


def check_split(
    lines: Sequence[PricedLine],
    plan: Sequence[PlannedChild],
    *,
    shipping: Mapping[uuid.UUID, Money],
    gift_card: Money,
    value_limit: Money | None = None,
) -> None:
    """``plan`` is a correct split of ``lines`` with the shops' ``shipping`` fees and the gift
    cards' ``gift_card`` (ORD-2, ORD-3, MON-3, MON-4); ``value_limit``: cross-border children
    are worth at most it (goods less discounts)."""
    found = Findings("order split")
    known = {line.line_id: line for line in lines}
    currency = lines[0].unit_price.currency
    zero = Money.zero(currency)
    pieces: dict[str, list[PlannedLine]] = {line_id: [] for line_id in known}
    for number, child in enumerate(plan, start=1):
        found.expect(bool(child.lines), f"child {number} has no line")
        keys = {(ln.facts.shop_id, ln.facts.kind) for ln in child.lines}
        found.expect(
            keys <= {(child.shop_id, child.kind)},
            f"child {number} ({child.shop_id}, {child.kind}) holds lines of {sorted(keys)}",
        )
        if child.kind is GoodsKind.CROSS_BORDER:
            houses = {ln.facts.warehouse_id for ln in child.lines}
            found.expect(
                houses <= {child.warehouse_id},
                f"cross-border child {number} of {child.warehouse_id} holds lines of {houses}",
            )
            worth = child.amounts(currency)
            paid = worth.goods - worth.discounts
            if value_limit is not None:
                found.expect(
                    paid <= value_limit,
                    f"cross-border child {number} is worth {paid}, above {value_limit} (ORD-3)",
                )
        else:
            found.expect(child.warehouse_id is None, f"child {number} names a warehouse")
        for line in child.lines:
            origin = _origin(line.line_id, known)
            if origin not in pieces:
                found.add(f"{line.line_id} of child {number} is no line of the cart")
                continue
            pieces[origin].append(line)
            _line_breaches(found, f"line {line.line_id}", line.amounts, line.facts.kind)
    groups = [(c.shop_id, c.kind) for c in plan if c.kind is not GoodsKind.CROSS_BORDER]
    found.expect(len(groups) == len(set(groups)), f"a shop and kind in two children: {groups}")
    sums = {o: Amounts.sum((p.amounts for p in parts), currency) for o, parts in pieces.items()}
    for origin, priced in known.items():
        units = sum(p.quantity for p in pieces[origin])
        found.expect(units == priced.quantity, f"{origin}: {units} units of {priced.quantity}")
        got, had = sums[origin], priced.amounts
        for field in ("goods", "promotion", "coupon", "points", "points_used"):
            found.expect(
                getattr(got, field) == getattr(had, field),
                f"{origin}: {field} {getattr(got, field)} over its pieces, "
                f"not {getattr(had, field)}",
            )
    skus: dict[uuid.UUID, int] = {}
    for priced in lines:
        skus[priced.facts.sku_id] = skus.get(priced.facts.sku_id, 0) + priced.quantity
    for child in plan:
        for planned in child.lines:
            skus[planned.facts.sku_id] = skus.get(planned.facts.sku_id, 0) - planned.quantity
    found.expect(not any(skus.values()), f"units per SKU not kept: {skus}")
    shops = {line.facts.shop_id for line in lines}
    for shop in sorted(shops | set(shipping), key=str):
        fee = shipping.get(shop, zero)
        shipped = [
            o
            for o, ln in known.items()
            if ln.facts.shop_id == shop and ln.facts.kind is not GoodsKind.VIRTUAL
        ]
        charged = sum((sums[o].shipping for o in known if known[o].facts.shop_id == shop), zero)
        found.expect(charged == fee, f"shop {shop}: shipping {charged} charged of its fee {fee}")
        if shipped and fee.is_positive():
            bases = [(known[o].amounts.goods - known[o].amounts.discounts).minor for o in shipped]
            for breach in allocation_breaches(
                fee.minor,
                _weights(fee, bases, [known[o].quantity for o in shipped]),
                [sums[o].shipping.minor for o in shipped],
                capped=False,
            ):
                found.add(f"shop {shop}'s shipping over its lines (MON-3): {breach}")
        elif fee.is_positive():
            found.add(f"shop {shop} charged {fee} for shipping nothing")
    cards = sum((s.gift_card for s in sums.values()), zero)
    found.expect(cards == gift_card, f"gift cards pay {cards} over the lines, not {gift_card}")
    payables = [(known[o].amounts.payable + sums[o].shipping).minor for o in known]
    if gift_card.is_positive() and sum(payables) > 0:
        for breach in allocation_breaches(
            gift_card.minor, payables, [sums[o].gift_card.minor for o in known]
        ):
            found.add(f"the gift cards over the lines (MON-3): {breach}")
    found.raise_if_any()


def check_order_amounts(order: Order) -> None:
    """The parent's amounts are the sums of its children's, each child's the sums of its
    lines', and every line is whole (ORD-2, MON-3, MON-4)."""
    found = Findings(f"amounts of order {order.number}")
    currency = order.currency
    children = {child.id: child for child in order.children}
    found.expect(bool(children), "no child order")
    found.expect(len(children) == len(order.children), "two children share an id")
    for line in order.lines:
        found.expect(line.child_id in children, f"line {line.line_id} of no child")
        found.expect(line.quantity > 0, f"line {line.line_id} of {line.quantity} units")
        _line_breaches(found, f"line {line.line_id}", line.amounts, line.kind)
    for child in order.children:
        mine = order.lines_of(child.id)
        found.expect(bool(mine), f"child {child.number} has no line")
        found.expect(
            all(ln.shop_id == child.shop_id and ln.kind is child.kind for ln in mine),
            f"child {child.number} holds another shop's or kind's lines",
        )
        total = Amounts.sum((line.amounts for line in mine), currency)
        found.expect(
            child.amounts == total,
            f"child {child.number}: {child.amounts.as_minor()}, its lines sum to "
            f"{total.as_minor()}",
        )
        _line_breaches(found, f"child {child.number}", child.amounts, child.kind)
    total = Amounts.sum((child.amounts for child in order.children), currency)
    found.expect(
        order.amounts == total,
        f"parent: {order.amounts.as_minor()}, its children sum to {total.as_minor()}",
    )
    found.expect(not order.payable.is_negative(), f"the order pays {order.payable} (MON-4)")
    found.expect(
        Money.zero(currency) <= order.gift_card <= order.payable,
        f"gift cards pay {order.gift_card} of {order.payable}",
    )
    found.raise_if_any()


_SHIPPED = (OrderState.PENDING_RECEIPT, OrderState.COMPLETED)


def check_order_states(order: Order) -> None:
    """The parent's and the children's states agree with each other and with their times
    (ORD-4, ORD-8)."""
    found = Findings(f"states of order {order.number}")
    state = order.state
    found.expect(
        (order.paid_at is not None) == (state is OrderState.PAID),
        f"{state}: paid at {order.paid_at}",
    )
    cancelled = state is OrderState.CANCELLED
    found.expect(
        (order.cancelled_at is not None) == cancelled
        and (order.cancel_reason is not None) == cancelled,
        f"{state}: cancelled at {order.cancelled_at} for {order.cancel_reason}",
    )
    for child in order.children:
        name, now = f"child {child.number}", child.state
        if state in (OrderState.PENDING_PAYMENT, OrderState.CANCELLED):
            found.expect(now is state, f"{name} is {now} under a {state} parent")
        else:
            found.expect(
                now not in (OrderState.PENDING_PAYMENT, OrderState.CANCELLED, OrderState.PAID),
                f"{name} is {now} under a paid parent",
            )
        if child.kind is GoodsKind.VIRTUAL:
            found.expect(
                now not in (OrderState.PENDING_SHIPMENT, OrderState.PENDING_RECEIPT),
                f"virtual {name} is {now}: it is never shipped (ORD-8)",
            )
        paid = now in (OrderState.PENDING_SHIPMENT, *_SHIPPED)
        found.expect((child.paid_at is not None) == paid, f"{name} {now}, paid at {child.paid_at}")
        shipped = now in _SHIPPED and child.kind is not GoodsKind.VIRTUAL
        found.expect(
            (child.shipped_at is not None) == shipped, f"{name} {now}, shipped {child.shipped_at}"
        )
        found.expect(
            (child.completed_at is not None) == (now is OrderState.COMPLETED),
            f"{name} {now}, completed at {child.completed_at}",
        )
        found.expect(
            (child.cancelled_at is not None) == (now is OrderState.CANCELLED),
            f"{name} {now}, cancelled at {child.cancelled_at}",
        )
    found.raise_if_any()


def check_payment(payment: Payment, order: Order | None = None) -> None:
    """Refunds within what each tender paid, each whole and once per key; states and times
    agree; with ``order``, the tenders are the order's and the states agree (PAY-1, PAY-2,
    PAY-5)."""
    found = Findings(f"payment {payment.number}")
    zero = Money.zero(payment.currency)
    found.expect(payment.gift_card >= zero and payment.external >= zero, "a negative tender")
    cards, external = payment.refunded()
    after_close = "paid_after_close" in payment.flags
    if payment.state is PaymentState.PAID:
        paid_cards, paid_external = payment.gift_card, payment.external
    elif payment.state is PaymentState.CLOSED and after_close:
        paid_cards, paid_external = zero, payment.external
    else:
        paid_cards, paid_external = zero, zero
    found.expect(
        cards <= paid_cards, f"{cards} refunded to gift cards that paid {paid_cards} (PAY-5)"
    )
    found.expect(
        external <= paid_external,
        f"{external} refunded to the external method that paid {paid_external} (PAY-5)",
    )
    keys = [refund.key for refund in payment.refunds]
    found.expect(len(keys) == len(set(keys)), f"a refund key used twice: {keys}")
    for refund in payment.refunds:
        name = f"refund {refund.key}"
        found.expect(refund.amount.is_positive(), f"{name} of {refund.amount}")
        found.expect(
            not (refund.gift_card.is_negative() or refund.external.is_negative()),
            f"{name}: {refund.gift_card} + {refund.external}",
        )
        done = refund.state is RefundState.DONE
        found.expect(
            done == (refund.done_at is not None), f"{name} {refund.state} {refund.done_at}"
        )
        found.expect(done or refund.external.is_positive(), f"{name} waits for nothing")
    found.expect(len(payment.flags) == len(set(payment.flags)), f"flags {payment.flags}")
    state = payment.state
    found.expect(
        (payment.paid_at is not None) == (state is PaymentState.PAID or after_close),
        f"{state}: paid at {payment.paid_at}",
    )
    found.expect(
        (payment.closed_at is not None) == (state is PaymentState.CLOSED),
        f"{state}: closed at {payment.closed_at}",
    )
    if order is not None:
        found.expect(
            (payment.external, payment.gift_card) == (order.external, order.gift_card),
            f"tenders {payment.external} + {payment.gift_card}; the order's {order.external} + "
            f"{order.gift_card}",
        )
        expected = {
            OrderState.PENDING_PAYMENT: PaymentState.PENDING,
            OrderState.CANCELLED: PaymentState.CLOSED,
        }.get(order.state, PaymentState.PAID)
        found.expect(state is expected, f"{state} for an order {order.state}")
    found.raise_if_any()


__all__ = ["check_order_amounts", "check_order_states", "check_payment", "check_split"]
