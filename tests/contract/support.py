"""What the contract modules share beyond their fixtures."""

SERIALISED_WRITERS = (
    "SQLite serialises writers from their first statement (BEGIN IMMEDIATE): a second unit of "
    "work cannot read until the first ends, so two never hold the same version"
)
"""Why SQLite skips the stale-write tests of the persistence suites."""
