"""Adapters shared by every context."""
