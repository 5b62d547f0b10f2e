"""Gift cards: commands, handlers, bulk generation, export and the read side."""
