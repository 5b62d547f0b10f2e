"""The OpenAPI document as a client's tools see it (issue 9, finding 4).

- It is a valid OpenAPI 3.1 document (``openapi-spec-validator``).
- A client generated from it (``openapi-python-client``) has a module for every operation and a
  model for every component schema, and the generator warns about nothing: two components with
  one class name, a header without a schema or a media type it cannot read would each drop
  something from the client.
- Components are named by their class name alone: Litestar prefixes a module path only when two
  classes share a name, which is how the duplicate ``ValiditySchema`` and ``BatchState`` crept in.
- Every answer follows the status-code convention of ``docs/http.md``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from openapi_spec_validator import validate

from shop_adapters.bootstrap import bootstrap
from shop_adapters.http import create_app
from shop_adapters.http.catalog import CATALOG_CONTROLLERS
from shop_adapters.http.coupons import COUPON_CONTROLLERS
from shop_adapters.http.giftcards import GIFTCARD_CONTROLLERS
from shop_adapters.http.loyalty import LOYALTY_CONTROLLERS
from shop_adapters.http.pricing import PRICING_CONTROLLERS
from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.settings import Settings

METHODS = ("get", "put", "post", "delete", "patch")

GENERATOR_CONFIG = {
    "post_hooks": [],
    # The generator reads JSON, forms and raw bytes only; a CSV upload and a spreadsheet
    # download are raw bytes to a client (docs/http.md, "Generating a client").
    "content_type_overrides": {
        "text/csv": "application/octet-stream",
        "text/plain": "application/octet-stream",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
            "application/octet-stream"
        ),
    },
}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    exports = tmp_path_factory.mktemp("exports")
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
        ],
    )
    with TestClient(app) as client:
        response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    doc: dict[str, Any] = response.json()
    return doc


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _squash(name: str) -> str:
    """A name as the generator's identifiers keep it: letters and digits, any case."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


# --- the document is valid ----------------------------------------------------------------------


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)


def test_every_component_is_named_by_its_class_alone(document: dict[str, Any]) -> None:
    """Litestar disambiguates two classes of one name with their module path
    (``giftcards_schemas_ValiditySchema``): a generator then makes two models of one name."""
    prefixed = [name for name in document["components"]["schemas"] if name[0].islower()]
    assert prefixed == []


def test_every_response_header_has_a_schema(document: dict[str, Any]) -> None:
    missing = [
        f"{method.upper()} {path} {status} {name}"
        for path, method, operation in operations(document)
        for status, response in operation["responses"].items()
        for name, header in (response.get("headers") or {}).items()
        if "schema" not in header and "content" not in header
    ]
    assert missing == []


# --- a generated client is complete -------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(
    document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    work = tmp_path_factory.mktemp("client")
    (work / "openapi.json").write_text(json.dumps(document))
    (work / "config.json").write_text(json.dumps(GENERATOR_CONFIG))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(work / "openapi.json"),
            "--output-path",
            str(work / "client"),
            "--meta",
            "none",
            "--config",
            str(work / "config.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    return work / "client", output


def test_the_generator_warns_about_nothing(generated: tuple[Path, str]) -> None:
    _, output = generated
    warnings = [line for line in output.splitlines() if re.search(r"warning|unable", line, re.I)]
    assert warnings == [], output


def test_the_client_has_a_module_per_operation(
    document: dict[str, Any], generated: tuple[Path, str]
) -> None:
    client, _ = generated
    modules = {_squash(path.stem) for path in (client / "api").rglob("*.py")}
    missing = sorted(
        f"{method.upper()} {path} ({operation['operationId']})"
        for path, method, operation in operations(document)
        if _squash(operation["operationId"]) not in modules
    )
    assert missing == []


def test_the_client_has_a_model_per_component(
    document: dict[str, Any], generated: tuple[Path, str]
) -> None:
    client, _ = generated
    exported = re.findall(
        r"^from \.\S+ import (\w+)$", (client / "models" / "__init__.py").read_text(), re.M
    )
    models = {_squash(name) for name in exported}
    # the generator names a model by the schema's title when it has one (``Page[BatchOut]``)
    missing = sorted(
        name
        for name, schema in document["components"]["schemas"].items()
        if _squash(schema.get("title", name)) not in models
    )
    assert missing == []
