"""Every operation of the OpenAPI document, walked for authorization (issue 9; SEC-1, SEC-3).

What to expect is read from the document itself, so a new operation is covered the day it is
added: ``security: [{}]`` marks a public operation, "Requires the permission `x`" in the
description names the permission an operator needs, and "Only operators/customers may call
this." the kind of caller a guard takes. Path parameters get values of the right
shape (the route must match for its guards to run); no body is needed, since authentication
and guards come before the request is read.

- without a token, every non-public operation answers 401 ``auth.unauthenticated`` and every
  public one does not ask for a token;
- every other operation says who may call it;
- with a valid token that lacks the permission — a customer's, and an operator's holding no
  permission — every operation that token may not call answers 403 (for a permission, naming
  it in ``details.permission``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

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

METHODS = ("get", "put", "post", "delete", "patch")
PERMISSION = re.compile(r"Requires the permission `([^`]+)`")
PROBLEM = "application/problem+json"
A_UUID = "0190f1a2-0000-7000-8000-0000000000aa"
ONLY_OPERATORS = "Only operators may call this."
ONLY_CUSTOMERS = "Only customers may call this."


@pytest.fixture(scope="module")
def walk(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient[Litestar], Settings]]:
    exports: Path = tmp_path_factory.mktemp("exports")
    settings = Settings(
        database_url="memory://", sms="memory", sections=[GiftCardSettings(export_dir=str(exports))]
    )
    app = create_app(
        bootstrap(settings),
        [
            *CATALOG_CONTROLLERS,
            *COUPON_CONTROLLERS,
            *GIFTCARD_CONTROLLERS,
            *PRICING_CONTROLLERS,
            *LOYALTY_CONTROLLERS,
            *STATISTICS_CONTROLLERS,
        ],
    )
    with TestClient(app) as client:
        yield client, settings


@pytest.fixture(scope="module")
def document(walk: tuple[TestClient[Litestar], Settings]) -> dict[str, Any]:
    response = walk[0].get("/schema/openapi.json")
    assert response.status_code == 200
    doc: dict[str, Any] = response.json()
    return doc


def _value(parameter: dict[str, Any], document: dict[str, Any]) -> str:
    """A value of the parameter's documented shape."""
    schema = parameter.get("schema", {})
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for key in ("examples", "enum"):
        if schema.get(key):
            return str(schema[key][0])
    if "example" in schema:
        return str(schema["example"])
    if schema.get("format") == "uuid":
        return A_UUID
    if schema.get("type") == "integer":
        return str(max(1, schema.get("minimum", 1)))
    return "x" * max(1, schema.get("minLength", 1))


def _url(path: str, operation: dict[str, Any], document: dict[str, Any]) -> str:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", _value(parameter, document))
    assert "{" not in path, path
    return path


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def _call(client: TestClient[Litestar], method: str, url: str, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.request(method.upper(), url, headers=headers)


@pytest.mark.rule("SEC-1")
def test_without_a_token_every_non_public_operation_is_401(
    walk: tuple[TestClient[Litestar], Settings], document: dict[str, Any]
) -> None:
    client, _ = walk
    wrong: list[str] = []
    public = private = 0
    for method, path, operation in operations(document):
        url = _url(path, operation, document)
        response = _call(client, method, url, None)
        if operation.get("security") == [{}]:
            public += 1
            if response.status_code in (401, 403):
                wrong.append(
                    f"{method.upper()} {path} is public but answered {response.status_code}"
                )
        else:
            private += 1
            code = response.json().get("code") if response.status_code == 401 else None
            if response.status_code != 401 or code != "auth.unauthenticated":
                wrong.append(f"{method.upper()} {path} answered {response.status_code} anonymously")
    assert wrong == []
    assert public >= 5
    assert private >= 50


def _refusal(holder: str, operation: dict[str, Any]) -> str | None:
    """What refuses ``holder`` here according to the document: a permission, a kind, or
    nothing (``None``: the token is enough to get past authorization)."""
    description = operation.get("description", "")
    needed = PERMISSION.search(description)
    if holder == "customer" and (needed or ONLY_OPERATORS in description):
        return needed.group(1) if needed else "operators only"
    if holder != "customer" and needed:
        return needed.group(1)
    if holder != "customer" and ONLY_CUSTOMERS in description:
        return "customers only"
    return None


@pytest.mark.rule("SEC-3")
def test_every_guarded_operation_says_who_may_call_it(document: dict[str, Any]) -> None:
    silent = [
        f"{method.upper()} {path}"
        for method, path, operation in operations(document)
        if operation.get("security") != [{}]
        and not PERMISSION.search(operation.get("description", ""))
        and ONLY_OPERATORS not in operation.get("description", "")
        and ONLY_CUSTOMERS not in operation.get("description", "")
    ]
    assert silent == []


@pytest.mark.rule("SEC-3")
@pytest.mark.parametrize("holder", ["customer", "operator without permissions"])
def test_a_token_without_the_permission_is_403(
    walk: tuple[TestClient[Litestar], Settings], document: dict[str, Any], holder: str
) -> None:
    client, settings = walk
    if holder == "customer":
        token = mint_token(settings, str(uuid.uuid4()), "customer")
    else:
        token = mint_token(settings, "op-nobody", "operator")
    wrong: list[str] = []
    refused = 0
    for method, path, operation in operations(document):
        reason = _refusal(holder, operation)
        if reason is None:
            continue
        refused += 1
        response = _call(client, method, _url(path, operation, document), token)
        label = f"{method.upper()} {path} ({reason})"
        if response.status_code != 403:
            wrong.append(f"{label} answered {response.status_code}")
            continue
        assert response.headers["content-type"].startswith(PROBLEM)
        body = response.json()
        permission = body.get("details", {}).get("permission")
        named = PERMISSION.search(operation.get("description", ""))
        if named and holder != "customer" and permission != reason:
            wrong.append(f"{label} refused with {body}")
    assert wrong == []
    assert refused >= 60
