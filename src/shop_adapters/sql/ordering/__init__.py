"""Ordering in SQL: carts and addresses, orders and payments."""
