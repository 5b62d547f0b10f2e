"""SQL adapters of the gift-card context: tables, mapping, repositories, bulk card storage,
the in-transaction ledger and the queries."""
