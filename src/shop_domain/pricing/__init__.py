"""Pricing and promotions (PRO-1..12): promotions of every kind, their configuration rules,
and — to come — the engine that finds the best price of a cart and explains it."""
