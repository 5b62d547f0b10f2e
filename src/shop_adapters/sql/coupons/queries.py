"""``CouponQueries`` in SQL: Core selects over committed rows, never loading aggregates.

The one read side of coupons (``memory://`` runs it too); the contract suite checks that SQLite
and PostgreSQL answer alike for the same data, in the same order. Expiry is
applied on read (CPN-12): an ``available`` coupon whose validity has ended by ``now`` is
``expired`` to every filter, count and item here, sweep or no sweep.

The methods are grouped by view, one module each: templates and the coupon center
(``queries_templates``), wallets (``queries_wallet``), statistics, the usage log and code
batches (``queries_records``).
"""

from __future__ import annotations

from shop_adapters.sql.coupons.queries_records import RecordQueries
from shop_adapters.sql.coupons.queries_templates import TemplateQueries
from shop_adapters.sql.coupons.queries_wallet import WalletQueries


class SqlCouponQueries(TemplateQueries, WalletQueries, RecordQueries):
    """``CouponQueries`` over an ``AsyncEngine`` (committed state only; read-only transactions,
    which on SQLite never wait for a writer)."""
