"""Ordering: carts, checkout, orders and payments (issue 14)."""
