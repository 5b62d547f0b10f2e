"""Use cases of `shop`: commands, async handlers, ports, the unit of work and the message bus."""
