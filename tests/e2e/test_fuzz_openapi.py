"""The whole HTTP API fuzzed from its own OpenAPI document (issue 9, "Tests that must exist").

schemathesis reads ``/schema/openapi.json`` of the full app on a fresh migrated SQLite file and
generates requests for every operation — data that fits the document and data that does not —
once as an operator holding every permission (``*``) and once as a customer. Every answer must:

- not be a server error (no 5xx, SEC-4);
- have a documented status code, content type, headers and body schema;
- refuse data the document says is invalid (with a 4xx).

``make test`` runs at least :data:`MIN_CASES` cases (the count is printed and asserted), the same
ones every run (``derandomize``) so CI is never red by luck; ``make fuzz`` sets
``SHOP_FUZZ_EXAMPLES`` to run many more with fresh random data (docs/decisions/0021).
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shop_adapters.bootstrap import bootstrap
from shop_adapters.http import create_app, mint_token
from shop_adapters.http.catalog import CATALOG_CONTROLLERS
from shop_adapters.http.coupons import COUPON_CONTROLLERS
from shop_adapters.http.giftcards import GIFTCARD_CONTROLLERS
from shop_adapters.http.loyalty import LOYALTY_CONTROLLERS
from shop_adapters.http.ordering_statistics import STATISTICS_CONTROLLERS
from shop_adapters.http.pricing import PRICING_CONTROLLERS
from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.settings import Settings

pytestmark = pytest.mark.rule("SEC-4")

EXAMPLES = int(os.environ.get("SHOP_FUZZ_EXAMPLES", "0"))
"""Cases per operation and role; 0 (``make test``): :data:`CI_EXAMPLES`, derandomized."""
CI_EXAMPLES = 8
MIN_CASES = 1000
CUSTOMER_ID = "0190f1a2-0000-7000-8000-00000000c001"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES or CI_EXAMPLES,
    derandomize=not EXAMPLES,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)


class Tally:
    """How many cases ran, per role and operation (the figures go into ADR 0021)."""

    def __init__(self) -> None:
        self.cases: dict[tuple[str, str], int] = {}

    def add(self, role: str, operation: str) -> None:
        self.cases[role, operation] = self.cases.get((role, operation), 0) + 1

    def total(self) -> int:
        return sum(self.cases.values())


TALLY = Tally()


def _app(settings: Settings) -> Litestar:
    controllers = [
        *CATALOG_CONTROLLERS,
        *COUPON_CONTROLLERS,
        *GIFTCARD_CONTROLLERS,
        *PRICING_CONTROLLERS,
        *LOYALTY_CONTROLLERS,
        *STATISTICS_CONTROLLERS,
    ]
    return create_app(bootstrap(settings), controllers)


def _document() -> dict[str, Any]:
    """The document as the app serves it; read at collection (schemathesis parametrizes from
    it), from an app on ``memory://``: the document does not depend on the database."""
    exports = tempfile.mkdtemp(prefix="shop-fuzz-doc-")
    try:
        app = _app(
            Settings(
                database_url="memory://",
                sms="memory",
                sections=[GiftCardSettings(export_dir=exports)],
            )
        )
        with TestClient(app) as client:
            document: dict[str, Any] = client.get("/schema/openapi.json").json()
    finally:
        shutil.rmtree(exports, ignore_errors=True)
    return document


def _without_security(document: dict[str, Any]) -> dict[str, Any]:
    """The document without its security requirements, for generating cases: every case is
    sent with the role's token (added by :func:`_fuzz`), so a case that "omits the required
    Authorization header" is not the invalid request schemathesis would think it is.
    Authentication and authorization are walked by ``test_authorization_walk.py``."""
    stripped = copy.deepcopy(document)
    stripped.pop("security", None)
    stripped.get("components", {}).pop("securitySchemes", None)
    for item in stripped["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                operation.pop("security", None)
    return stripped


DOCUMENT = _document()
OPERATIONS = {
    f"{method.upper()} {path}"
    for path, item in DOCUMENT["paths"].items()
    for method in item
    if method in ("get", "put", "post", "delete", "patch")
}
schema = schemathesis.openapi.from_dict(_without_security(DOCUMENT))


@pytest.fixture(scope="module")
def fuzz_app(
    _sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Litestar, Settings]]:
    """The app the cases are sent to: the full API on a fresh migrated SQLite file."""
    folder = tmp_path_factory.mktemp("fuzz")
    database = folder / "shop.db"
    shutil.copyfile(_sqlite_template, database)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{database}",
        sms="memory",
        jwt_secret_file=str(folder / "jwt.secret"),
        sections=[
            GiftCardSettings(
                export_dir=str(folder / "exports"), key_file=str(folder / "giftcard.keys")
            )
        ],
    )
    yield _app(settings), settings
    total = TALLY.total()
    operations = len({operation for _, operation in TALLY.cases})
    print(f"\nfuzzed {total} cases over {operations} operations x {len(ROLES)} roles")
    every_test_ran = len(TALLY.cases) == len(ROLES) * len(OPERATIONS)
    if not EXAMPLES and every_test_ran:
        assert total >= MIN_CASES, f"only {total} fuzz cases ran; raise CI_EXAMPLES"


ROLES = {
    "operator": lambda s: mint_token(s, "op-fuzz", "operator", ["*"], ttl_seconds=86_400),
    "customer": lambda s: mint_token(s, CUSTOMER_ID, "customer", ttl_seconds=86_400),
}


def _fuzz(role: str, case: Any, fuzz_app: tuple[Litestar, Settings]) -> None:
    app, app_settings = fuzz_app
    token = ROLES[role](app_settings)
    TALLY.add(role, case.operation.label)
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS, app=app)


@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_an_operator_with_every_permission(
    case: Any, fuzz_app: tuple[Litestar, Settings]
) -> None:
    _fuzz("operator", case, fuzz_app)


@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_a_customer(case: Any, fuzz_app: tuple[Litestar, Settings]) -> None:
    _fuzz("customer", case, fuzz_app)
