"""Ordering: carts and addresses (ORD-1), orders and payments."""
