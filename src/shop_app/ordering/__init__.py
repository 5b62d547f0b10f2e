"""Ordering's use cases: carts and addresses (ORD-1), orders and payments."""
