"""SQL persistence of the coupons context: tables, mapping, repositories, the in-transaction
ledger, the bulk code store and the read side."""
