"""The contexts' plug-ins (:class:`shop_adapters.plugin.ContextPlugin`), one module each; the
kernel finds them in :data:`shop_adapters.contexts.CONTEXTS`."""
