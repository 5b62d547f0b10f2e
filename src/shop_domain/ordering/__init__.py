"""Ordering: carts, orders (parent and child orders by shop), payments (ORD-*, PAY-*)."""
