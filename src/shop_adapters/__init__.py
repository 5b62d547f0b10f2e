"""The outside world for `shop`: persistence, HTTP, messaging, settings, composition root, CLI."""
