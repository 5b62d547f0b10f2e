"""State machines over a whole runtime, to subclass with your own commands and rules while ours
keep being checked (see ``docs/testing.md``)."""

from shop_testing.machines.base import START, ShopMachine

__all__ = ["START", "ShopMachine"]
