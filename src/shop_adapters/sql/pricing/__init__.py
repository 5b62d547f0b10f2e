"""SQL persistence of the pricing context: the codec of promotion kinds, the promotions' table,
its map and the repository."""
