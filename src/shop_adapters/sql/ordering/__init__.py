"""Ordering in SQL: carts, orders, payments."""
