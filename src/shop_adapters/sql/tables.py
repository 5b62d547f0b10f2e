"""Every table of the application, imported so that ``metadata`` knows them all (for Alembic)."""

from shop_adapters.sql import (
    kernel_tables,  # noqa: F401
    messaging_tables,  # noqa: F401
)
from shop_adapters.sql import otp as otp_tables  # noqa: F401
from shop_adapters.sql import retention as retention_tables  # noqa: F401
from shop_adapters.sql.catalog import freshness as catalog_freshness  # noqa: F401
from shop_adapters.sql.catalog import tables as catalog_tables  # noqa: F401
from shop_adapters.sql.coupons import segments as coupon_segments  # noqa: F401
from shop_adapters.sql.coupons import tables as coupon_tables  # noqa: F401
from shop_adapters.sql.giftcards import tables as giftcard_tables  # noqa: F401
from shop_adapters.sql.metadata import metadata

__all__ = ["metadata"]
