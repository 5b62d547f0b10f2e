"""``GET /schema/asyncapi.json``: the AsyncAPI document of the integration events, next to the
OpenAPI one (generated once per process and exchange from the registry, as
``docs/asyncapi.json`` is for the default exchange)."""

from __future__ import annotations

import functools
from typing import Any

from litestar import Controller, MediaType, get
from litestar.di import NamedDependency

from shop_adapters.http.auth import PUBLIC
from shop_adapters.messaging.asyncapi import document
from shop_adapters.runtime import Runtime


@functools.cache
def _document(exchange: str) -> dict[str, Any]:
    return document(exchange=exchange)


class AsyncApiController(Controller):
    path = "/schema"
    opt = dict(PUBLIC)
    include_in_schema = False

    @get("/asyncapi.json", media_type=MediaType.JSON, summary="The AsyncAPI document")
    async def asyncapi(self, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
        return _document(runtime.settings.rabbitmq_exchange)
