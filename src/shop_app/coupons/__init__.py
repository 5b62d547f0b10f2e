"""Coupons: templates, claiming and issuing, codes, wallets, order-facing commands, statistics
(CPN-1..5, CPN-9..12)."""
