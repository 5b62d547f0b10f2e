"""Gift cards (GC-1..14): batches, cards, activation, spending as a tender, history."""
