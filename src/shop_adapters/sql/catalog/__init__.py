"""SQL persistence of the catalog: tables, imperative mapping, repositories and queries."""
