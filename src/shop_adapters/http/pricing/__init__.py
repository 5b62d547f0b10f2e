"""The pricing context's HTTP API (issue 12)."""
