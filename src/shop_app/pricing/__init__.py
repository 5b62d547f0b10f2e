"""Pricing and promotions: the ports of the context (its repository and unit of work) and what it
publishes (its integration events)."""
