"""ordering: orders, their children by shop and lines; payments and refunds (ORD-2..9, PAY-1..5)

``orders`` (number unique; state and its times; the address snapshot and discount breakdown as
JSON; every amount, CHECKed whole and never below what the gift cards pay), ``order_children``
(one per shop, kind of goods and — cross-border — warehouse), ``order_lines`` (each line's
snapshot and allocated amounts), ``payments`` (one per order, the number the gateway knows
unique) and ``payment_refunds`` (once per payment and key).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 22:17:20.875200
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop_adapters.sql.metadata

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("member_level", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending_payment",
                "paid",
                "pending_shipment",
                "pending_receipt",
                "completed",
                "cancelled",
                "closed",
                name="order_state",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("address", shop_adapters.sql.metadata.Json(), nullable=True),
        sa.Column("breakdown", shop_adapters.sql.metadata.Json(), nullable=False),
        sa.Column("card_ids", shop_adapters.sql.metadata.Json(), nullable=False),
        sa.Column("goods_minor", sa.BigInteger(), nullable=False),
        sa.Column("promotion_minor", sa.BigInteger(), nullable=False),
        sa.Column("coupon_minor", sa.BigInteger(), nullable=False),
        sa.Column("points_minor", sa.BigInteger(), nullable=False),
        sa.Column("shipping_minor", sa.BigInteger(), nullable=False),
        sa.Column("gift_card_minor", sa.BigInteger(), nullable=False),
        sa.Column("points_used", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("paid_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=True),
        sa.Column(
            "cancelled_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "cancel_reason",
            sa.Enum(
                "user", "timeout", "system", name="cancel_reason", native_enum=False, length=16
            ),
            nullable=True,
        ),
        sa.Column(
            "closed_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "goods_minor + shipping_minor - promotion_minor - coupon_minor - points_minor"
            " >= gift_card_minor",
            name=op.f("ck_orders_payable"),
        ),
        sa.CheckConstraint(
            "goods_minor >= 0 AND promotion_minor >= 0 AND coupon_minor >= 0 AND "
            "points_minor >= 0 AND shipping_minor >= 0 AND gift_card_minor >= 0 AND "
            "points_used >= 0",
            name=op.f("ck_orders_amounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_orders_number")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_created", ["created_at"], unique=False)
        batch_op.create_index("ix_orders_state_expires", ["state", "expires_at"], unique=False)
        batch_op.create_index("ix_orders_user_created", ["user_id", "created_at"], unique=False)

    op.create_table(
        "order_children",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=28), nullable=False),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "physical",
                "virtual",
                "cross_border",
                name="goods_kind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("warehouse_id", sa.Uuid(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "pending_payment",
                "paid",
                "pending_shipment",
                "pending_receipt",
                "completed",
                "cancelled",
                "closed",
                name="order_state",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("goods_minor", sa.BigInteger(), nullable=False),
        sa.Column("promotion_minor", sa.BigInteger(), nullable=False),
        sa.Column("coupon_minor", sa.BigInteger(), nullable=False),
        sa.Column("points_minor", sa.BigInteger(), nullable=False),
        sa.Column("shipping_minor", sa.BigInteger(), nullable=False),
        sa.Column("gift_card_minor", sa.BigInteger(), nullable=False),
        sa.Column("points_used", sa.BigInteger(), nullable=False),
        sa.Column("paid_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=True),
        sa.Column(
            "shipped_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "completed_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "cancelled_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=True
        ),
        sa.CheckConstraint(
            "goods_minor + shipping_minor - promotion_minor - coupon_minor - points_minor"
            " >= gift_card_minor",
            name=op.f("ck_order_children_payable"),
        ),
        sa.CheckConstraint(
            "goods_minor >= 0 AND promotion_minor >= 0 AND coupon_minor >= 0 AND "
            "points_minor >= 0 AND shipping_minor >= 0 AND gift_card_minor >= 0 AND "
            "points_used >= 0",
            name=op.f("ck_order_children_amounts"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_children_order_id_orders"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_children")),
        sa.UniqueConstraint("number", name=op.f("uq_order_children_number")),
    )
    with op.batch_alter_table("order_children", schema=None) as batch_op:
        batch_op.create_index("ix_order_children_order", ["order_id"], unique=False)
        batch_op.create_index("ix_order_children_shop_state", ["shop_id", "state"], unique=False)

    op.create_table(
        "order_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("line_id", sa.String(length=80), nullable=False),
        sa.Column("sku_id", sa.Uuid(), nullable=False),
        sa.Column("spu_id", sa.Uuid(), nullable=False),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "physical",
                "virtual",
                "cross_border",
                name="goods_kind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("attributes", shop_adapters.sql.metadata.Json(), nullable=False),
        sa.Column("image", sa.String(length=500), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("goods_minor", sa.BigInteger(), nullable=False),
        sa.Column("promotion_minor", sa.BigInteger(), nullable=False),
        sa.Column("coupon_minor", sa.BigInteger(), nullable=False),
        sa.Column("points_minor", sa.BigInteger(), nullable=False),
        sa.Column("shipping_minor", sa.BigInteger(), nullable=False),
        sa.Column("gift_card_minor", sa.BigInteger(), nullable=False),
        sa.Column("points_used", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "goods_minor + shipping_minor - promotion_minor - coupon_minor - points_minor"
            " >= gift_card_minor",
            name=op.f("ck_order_lines_payable"),
        ),
        sa.CheckConstraint(
            "goods_minor >= 0 AND promotion_minor >= 0 AND coupon_minor >= 0 AND "
            "points_minor >= 0 AND shipping_minor >= 0 AND gift_card_minor >= 0 AND "
            "points_used >= 0",
            name=op.f("ck_order_lines_amounts"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_lines_quantity")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_lines_order_id_orders"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_index("ix_order_lines_order", ["order_id"], unique=False)

    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("external_minor", sa.BigInteger(), nullable=False),
        sa.Column("gift_card_minor", sa.BigInteger(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending", "paid", "closed", name="payment_state", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("trade_no", sa.String(length=64), nullable=True),
        sa.Column("paid_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=True),
        sa.Column(
            "closed_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("flags", shop_adapters.sql.metadata.Json(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "external_minor >= 0 AND gift_card_minor >= 0", name=op.f("ck_payments_tenders")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_payments_order_id_orders"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("number", name=op.f("uq_payments_number")),
        sa.UniqueConstraint("order_id", name=op.f("uq_payments_order_id")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index("ix_payments_user_created", ["user_id", "created_at"], unique=False)

    op.create_table(
        "payment_refunds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gift_card_minor", sa.BigInteger(), nullable=False),
        sa.Column("external_minor", sa.BigInteger(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("requested", "done", name="refund_state", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "created_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("done_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "external_minor >= 0 AND gift_card_minor >= 0", name=op.f("ck_payment_refunds_amounts")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_payment_refunds_payment_id_payments"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_refunds")),
    )
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.create_index("ix_payment_refunds_due", ["state", "created_at"], unique=False)
        batch_op.create_index("uq_payment_refunds_key", ["payment_id", "key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.drop_index("uq_payment_refunds_key")
        batch_op.drop_index("ix_payment_refunds_due")

    op.drop_table("payment_refunds")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_user_created")

    op.drop_table("payments")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_order_lines_order")

    op.drop_table("order_lines")
    with op.batch_alter_table("order_children", schema=None) as batch_op:
        batch_op.drop_index("ix_order_children_shop_state")
        batch_op.drop_index("ix_order_children_order")

    op.drop_table("order_children")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_user_created")
        batch_op.drop_index("ix_orders_state_expires")
        batch_op.drop_index("ix_orders_created")

    op.drop_table("orders")
