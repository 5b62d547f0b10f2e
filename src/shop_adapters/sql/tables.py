"""Every table of the application, imported so that ``metadata`` knows them all (Alembic,
``memory://``): the kernel's here, each context's from its plug-in (``ContextPlugin.tables``)."""

from shop_adapters.contexts import CONTEXTS
from shop_adapters.sql import (
    kernel_tables,  # noqa: F401
    messaging_tables,  # noqa: F401
)
from shop_adapters.sql import otp as otp_tables  # noqa: F401
from shop_adapters.sql import retention as retention_tables  # noqa: F401
from shop_adapters.sql.metadata import metadata

for _context in CONTEXTS:
    _context.import_tables()

__all__ = ["metadata"]
