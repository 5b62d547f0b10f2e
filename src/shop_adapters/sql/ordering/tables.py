"""Tables of orders and payments (ORD-2..9, PAY-1..5).

- ``orders``: the parent order — number (unique), customer, channel, state and its times, the
  address snapshot and discount breakdown (JSON), the gift cards that pay, and every amount.
- ``order_children``: its child orders by shop (number unique), each with its state, times and
  amounts (the sums of its lines).
- ``order_lines``: each line's snapshot and amounts, allocated by MON-3.
- ``payments``: one per order (the number the gateway knows, unique), its tenders, state,
  flags; ``payment_refunds``: the refunds, once per (payment, key).

Every amount is minor units with the row's currency; CHECKs keep them whole and the payable
never negative (MON-4).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Uuid,
)
from sqlalchemy.sql.schema import SchemaItem

from shop_adapters.sql.metadata import Json, UtcDateTime, metadata, value_enum
from shop_domain.ordering.lines import GoodsKind
from shop_domain.ordering.order import CancelReason, OrderState
from shop_domain.ordering.payment import PaymentState, RefundState

_AMOUNTS = ("goods", "promotion", "coupon", "points", "shipping", "gift_card")


def _amounts() -> list[SchemaItem]:
    columns: list[SchemaItem] = [
        Column(f"{name}_minor", BigInteger, nullable=False) for name in _AMOUNTS
    ]
    columns.append(Column("points_used", BigInteger, nullable=False))
    checks = " AND ".join(f"{name}_minor >= 0" for name in _AMOUNTS)
    columns.append(CheckConstraint(f"{checks} AND points_used >= 0", name="amounts"))
    columns.append(
        CheckConstraint(
            "goods_minor + shipping_minor - promotion_minor - coupon_minor - points_minor"
            " >= gift_card_minor",
            name="payable",
        )
    )
    return columns


def _state() -> Enum:
    return value_enum(OrderState, "order_state", 24)


_KIND = value_enum(GoodsKind, "goods_kind", 16)

orders = Table(
    "orders",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("number", String(24), nullable=False, unique=True),
    Column("user_id", Uuid, nullable=False),
    Column("member_level", Integer, nullable=True),
    Column("channel", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("state", _state(), nullable=False),
    Column("address", Json, nullable=True),
    Column("breakdown", Json, nullable=False),
    Column("card_ids", Json, nullable=False),
    *_amounts(),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("paid_at", UtcDateTime, nullable=True),
    Column("cancelled_at", UtcDateTime, nullable=True),
    Column("cancel_reason", value_enum(CancelReason, "cancel_reason", 16), nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("payment_id", Uuid, nullable=True),
    Column("version", Integer, nullable=False),
    Index("ix_orders_user_created", "user_id", "created_at"),
    Index("ix_orders_state_expires", "state", "expires_at"),
    Index("ix_orders_created", "created_at"),
)

order_children = Table(
    "order_children",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "order_id",
        Uuid,
        ForeignKey("orders.id", ondelete="CASCADE", deferrable=True, initially="DEFERRED"),
        nullable=False,
    ),
    Column("number", String(28), nullable=False, unique=True),
    Column("shop_id", Uuid, nullable=False),
    Column("kind", _KIND, nullable=False),
    Column("warehouse_id", Uuid, nullable=True),
    Column("state", _state(), nullable=False),
    Column("currency", String(3), nullable=False),
    *_amounts(),
    Column("paid_at", UtcDateTime, nullable=True),
    Column("shipped_at", UtcDateTime, nullable=True),
    Column("completed_at", UtcDateTime, nullable=True),
    Column("cancelled_at", UtcDateTime, nullable=True),
    Index("ix_order_children_order", "order_id"),
    Index("ix_order_children_shop_state", "shop_id", "state"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "order_id",
        Uuid,
        ForeignKey("orders.id", ondelete="CASCADE", deferrable=True, initially="DEFERRED"),
        nullable=False,
    ),
    Column("child_id", Uuid, nullable=False),
    Column("line_id", String(80), nullable=False),
    Column("sku_id", Uuid, nullable=False),
    Column("spu_id", Uuid, nullable=False),
    Column("shop_id", Uuid, nullable=False),
    Column("warehouse_id", Uuid, nullable=True),
    Column("kind", _KIND, nullable=False),
    Column("name", String(200), nullable=False),
    Column("attributes", Json, nullable=False),
    Column("image", String(500), nullable=True),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    *_amounts(),
    CheckConstraint("quantity > 0", name="quantity"),
    Index("ix_order_lines_order", "order_id"),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("number", String(32), nullable=False, unique=True),
    Column(
        "order_id",
        Uuid,
        ForeignKey("orders.id", deferrable=True, initially="DEFERRED"),
        nullable=False,
        unique=True,
    ),
    Column("user_id", Uuid, nullable=False),
    Column("gateway", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("external_minor", BigInteger, nullable=False),
    Column("gift_card_minor", BigInteger, nullable=False),
    Column("state", value_enum(PaymentState, "payment_state", 16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("trade_no", String(64), nullable=True),
    Column("paid_at", UtcDateTime, nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("flags", Json, nullable=False),
    Column("version", Integer, nullable=False),
    CheckConstraint("external_minor >= 0 AND gift_card_minor >= 0", name="tenders"),
    Index("ix_payments_user_created", "user_id", "created_at"),
)

payment_refunds = Table(
    "payment_refunds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "payment_id",
        Uuid,
        ForeignKey("payments.id", ondelete="CASCADE", deferrable=True, initially="DEFERRED"),
        nullable=False,
    ),
    Column("key", String(100), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("gift_card_minor", BigInteger, nullable=False),
    Column("external_minor", BigInteger, nullable=False),
    Column("state", value_enum(RefundState, "refund_state", 16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("done_at", UtcDateTime, nullable=True),
    CheckConstraint("external_minor >= 0 AND gift_card_minor >= 0", name="amounts"),
    Index("uq_payment_refunds_key", "payment_id", "key", unique=True),
    Index("ix_payment_refunds_due", "state", "created_at"),
)

__all__ = ["order_children", "order_lines", "orders", "payment_refunds", "payments"]
