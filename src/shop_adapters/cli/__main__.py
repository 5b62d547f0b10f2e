"""``python -m shop_adapters.cli``: the ``shop`` command."""

from shop_adapters.cli import main

main()
