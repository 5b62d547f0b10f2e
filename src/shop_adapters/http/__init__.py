"""The HTTP adapter: a Litestar app over a :class:`~shop_adapters.runtime.Runtime`.

See :mod:`shop_adapters.http.app` for how controllers get the runtime, the principal and
idempotency keys, :mod:`~shop_adapters.http.auth` for tokens and guards,
:mod:`~shop_adapters.http.problems` for error answers and :mod:`~shop_adapters.http.schemas`
for the shared wire types (money, pages, problems).
"""

from shop_adapters.http.app import create_app, dispatch, read_idempotency_key
from shop_adapters.http.auth import (
    PUBLIC,
    customer_only,
    mint_token,
    operator_only,
    requires,
)
from shop_adapters.http.problems import HttpProblem
from shop_adapters.http.schemas import MoneySchema, Page, Pagination, Problem

__all__ = [
    "PUBLIC",
    "HttpProblem",
    "MoneySchema",
    "Page",
    "Pagination",
    "Problem",
    "create_app",
    "customer_only",
    "dispatch",
    "mint_token",
    "operator_only",
    "read_idempotency_key",
    "requires",
]
