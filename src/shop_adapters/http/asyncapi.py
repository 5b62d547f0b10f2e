"""``GET /schema/asyncapi.json``: the AsyncAPI document of the integration events, next to the
OpenAPI one (generated once per process from the registry, as ``docs/asyncapi.json`` is)."""

from __future__ import annotations

import functools
from typing import Any

from litestar import Controller, MediaType, get

from shop_adapters.http.auth import PUBLIC
from shop_adapters.messaging.asyncapi import document


@functools.cache
def _document() -> dict[str, Any]:
    return document()


class AsyncApiController(Controller):
    path = "/schema"
    opt = dict(PUBLIC)
    include_in_schema = False

    @get("/asyncapi.json", media_type=MediaType.JSON, summary="The AsyncAPI document")
    async def asyncapi(self) -> dict[str, Any]:
        return _document()
