"""The testing kit of `shop`, for property-testing your own rules on ours
(``pip install shop[testing]``; decision 0032, guide ``docs/testing.md``).

- :mod:`shop_testing.strategies` — hypothesis strategies per context, valid by construction;
- :mod:`shop_testing.invariants` — checks that read a runtime and name what is wrong;
- :mod:`shop_testing.machines` — state machines over a runtime, to subclass with your rules;
- :mod:`shop_testing.contracts` — the contract suite of every port, to run against your adapter;
- :mod:`shop_testing.harness` — :class:`~shop_testing.harness.MemoryShop`, a ``memory://``
  runtime a test may look into;
- :mod:`shop_testing.plugin` — the pytest plugin (loaded by itself): the ``shop``,
  ``shop_clock``, ``shop_tokens`` and ``shop_client`` fixtures and the ``rule`` marker.

The kit sits above the adapters (it drives a whole runtime); nothing in ``shop_domain``,
``shop_app`` or ``shop_adapters`` imports it, or hypothesis, or pytest.
"""
