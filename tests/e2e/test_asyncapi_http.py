"""``GET /schema/asyncapi.json``: the AsyncAPI document of the integration events is served next
to the OpenAPI one, to anyone, and is the committed ``docs/asyncapi.json``."""

from __future__ import annotations

import json
from pathlib import Path

from litestar.testing import TestClient

from shop_adapters.bootstrap import bootstrap
from shop_adapters.http import create_app
from shop_adapters.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_asyncapi_document_is_served_without_a_token() -> None:
    app = create_app(bootstrap(Settings(database_url="memory://", sms="memory")))
    with TestClient(app) as client:
        served = client.get("/schema/asyncapi.json")
        openapi = client.get("/schema/openapi.json").json()
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("application/json")
    doc = served.json()
    assert doc == json.loads((DOCS / "asyncapi.json").read_text())
    assert doc["asyncapi"] == "3.0.0"
    spent = doc["components"]["messages"]["giftcards.card_spent.v1"]
    assert spent["payload"]["properties"]["version"] == {"const": 1}
    assert doc["channels"]["giftcards.card_spent.v1"]["address"] == "giftcards.card_spent.v1"
    assert "/schema/asyncapi.json" not in openapi["paths"]  # a document, not an operation
