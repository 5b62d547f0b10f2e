"""The kernel's input rules: what no request gets past, whichever route it is for (SEC-4).

Every rule answers a 4xx problem with a stable code, before anything is written:

- **Characters.** No string the API takes holds a C0 control character other than tab, line
  feed and carriage return, nor DEL (:data:`~shop_adapters.http.schemas.FORBIDDEN_CHARACTERS`;
  NUL is the one PostgreSQL refuses). :class:`InputGuard` checks the path, every query
  parameter and every header; :class:`ShopRequest` checks every string of a decoded JSON body
  (raw control bytes are not JSON; ``"\\u0000"`` escapes are decoded first). 400
  ``request.invalid_character``. Schemas say the same with :func:`~shop_adapters.http.schemas.text`.
- **Encoding.** Query strings and JSON bodies are UTF-8: 400 ``request.invalid_encoding``.
- **Size.** A body longer than the route's limit (the app's ``max_body_size`` where a route sets
  none) is refused as its bytes arrive, with or without ``Content-Length``: 413
  ``request.too_large``.
- **Depth.** JSON nested deeper than the decoder's recursion limit (about 1,000 levels; no
  schema of ours nests more than a few): 400 ``request.too_deep``.
- **Strictness.** JSON bodies are decoded straight into the handler's ``data`` type with
  ``strict=True``: ``"3"`` is not an integer, ``"true"`` not a boolean (Litestar converts bodies
  leniently, like query strings). 400 ``request.invalid``.
- **One value per scalar parameter.** A query parameter that takes one value (not a list)
  given twice (``?action=a&action=b``) is a 400 ``request.invalid``, not a silent pick.
- **Datetimes.** Every datetime the API takes — anywhere in a body, or a query parameter the
  handler declares as one — is ISO 8601 (not a Unix time, which Litestar's lenient query
  conversion would take) and lies in ``[MIN_MOMENT, MAX_MOMENT)``, so converting it to UTC or
  storing it never overflows. 400 ``request.invalid``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, Final, get_args
from urllib.parse import parse_qsl

import msgspec
from litestar import Request
from litestar.enums import ParamType, ScopeType
from litestar.exceptions import ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.handlers import HTTPRouteHandler
from litestar.params import ParameterKwarg
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from shop_adapters.http.problems import HttpProblem
from shop_adapters.http.schemas import (
    FORBIDDEN_CHARACTERS,
    MAX_MOMENT,
    MIN_MOMENT,
    FieldError,
)

INVALID_CHARACTER: Final = "request.invalid_character"
INVALID_ENCODING: Final = "request.invalid_encoding"
TOO_DEEP: Final = "request.too_deep"
INVALID: Final = "request.invalid"

_FORBIDDEN: Final = re.compile(f"[{FORBIDDEN_CHARACTERS}]")
_FORBIDDEN_BYTES: Final = re.compile(f"[{FORBIDDEN_CHARACTERS}]".encode())
_MSGSPEC_PATH: Final = re.compile(r"`\$\.?(.*)`$")
_MOMENT_RANGE: Final = (
    f"must be from {MIN_MOMENT.isoformat()} up to (not including) {MAX_MOMENT.isoformat()}"
)


def _invalid_character(field: str, source: str) -> HttpProblem:
    return HttpProblem(
        400,
        INVALID_CHARACTER,
        "the request holds a control character (such as NUL) where text is expected",
        errors=[FieldError(field=field, message="control character", source=source)],
    )


def _invalid_encoding(field: str, source: str) -> HttpProblem:
    return HttpProblem(
        400,
        INVALID_ENCODING,
        "the request is not valid UTF-8",
        errors=[FieldError(field=field, message="not UTF-8", source=source)],
    )


def _out_of_range(field: str, source: str) -> HttpProblem:
    return HttpProblem(
        400,
        INVALID,
        "the request is not valid",
        errors=[FieldError(field=field, message=_MOMENT_RANGE, source=source)],
    )


def moment_in_range(value: dt.datetime) -> bool:
    """Whether ``value`` lies in the accepted range (a naive value is read as UTC).
    Comparing never converts, so it cannot overflow where ``astimezone`` would."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return MIN_MOMENT <= aware < MAX_MOMENT


# --- the ASGI guard -------------------------------------------------------------------------


def _datetime_parameters(handler: Any) -> frozenset[str]:
    """The query parameters of ``handler`` that are datetimes (by their wire name)."""
    names = set()
    for name, field in handler.parsed_fn_signature.parameters.items():
        kinds = {field.annotation, *get_args(field.annotation)}
        if dt.datetime not in kinds:
            continue
        kwarg = field.kwarg_definition
        if isinstance(kwarg, ParameterKwarg):
            if kwarg.param_type not in (None, ParamType.QUERY):
                continue
            names.add(kwarg.name or name)
        else:
            names.add(name)
    return frozenset(names)


@dataclasses.dataclass(frozen=True)
class QueryShape:
    """What a handler's query string may hold, as far as the guard checks it."""

    moments: frozenset[str]
    """Parameters that are datetimes (wire names)."""
    single: frozenset[str]
    """Parameters that take one value (not a list), the dependencies' included."""

    @classmethod
    def of(cls, handler: Any, path_parameters: frozenset[str]) -> QueryShape:
        model = handler.create_kwargs_model(path_parameters=dict.fromkeys(path_parameters))
        single = {p.field_alias for p in model.expected_query_params if not p.is_sequence}
        return cls(moments=_datetime_parameters(handler), single=frozenset(single))


NO_SHAPE: Final = QueryShape(moments=frozenset(), single=frozenset())


def _check_query(query: bytes, shape: QueryShape) -> None:
    try:
        pairs = parse_qsl(
            query.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError:
        raise _invalid_encoding("", "query") from None
    seen: set[str] = set()
    for name, value in pairs:
        if _FORBIDDEN.search(name) or _FORBIDDEN.search(value):
            raise _invalid_character(name, "query")
        if name in shape.single and name in seen:
            raise HttpProblem(
                400,
                INVALID,
                "the request is not valid",
                errors=[FieldError(field=name, message="given more than once", source="query")],
            )
        seen.add(name)
        if name in shape.moments and value:
            # strictly ISO 8601 (Litestar's lenient conversion also takes "0.5" as a Unix time)
            try:
                moment = msgspec.convert(value, dt.datetime, strict=True)
            except msgspec.ValidationError:
                raise HttpProblem(
                    400,
                    INVALID,
                    "the request is not valid",
                    errors=[
                        FieldError(field=name, message="not an ISO 8601 datetime", source="query")
                    ],
                ) from None
            if not moment_in_range(moment):
                raise _out_of_range(name, "query")


class InputGuard:
    """ASGI middleware (one per route, inside Litestar's exception handling, so what it raises
    is answered as a problem): characters in the path, query and headers, UTF-8 and datetimes
    in the query; the size of the body as it arrives. The characters and encoding of a body are
    checked by what decodes it: JSON by :class:`ShopRequest`, an uploaded file by its route's
    parser (which can name the bad line)."""

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size
        self._shapes: dict[tuple[int, frozenset[str]], QueryShape] = {}

    def _shape(self, scope: Scope) -> QueryShape:
        handler = scope.get("route_handler")
        if not isinstance(handler, HTTPRouteHandler):
            return NO_SHAPE
        path_parameters = frozenset(scope.get("path_params") or ())
        key = (id(handler), path_parameters)
        if key not in self._shapes:
            self._shapes[key] = QueryShape.of(handler, path_parameters)
        return self._shapes[key]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        if _FORBIDDEN.search(scope["path"]):
            raise _invalid_character("", "path")
        handler = scope.get("route_handler")
        if scope.get("query_string"):
            _check_query(scope["query_string"], self._shape(scope))
        for name, value in scope["headers"]:
            if _FORBIDDEN_BYTES.search(value):
                raise _invalid_character(name.decode("latin-1"), "header")
        limit = (
            handler.resolve_request_max_body_size()
            if isinstance(handler, HTTPRouteHandler)
            else None
        )
        await self.app(scope, self._guard(receive, limit or self.max_body_size), send)

    def _guard(self, receive: Receive, limit: int) -> Receive:
        received = 0

        async def guarded() -> ReceiveMessage:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestEntityTooLarge
            return message

        return guarded


# --- strict JSON bodies ---------------------------------------------------------------------


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every string and datetime in a decoded body, with its path (``lines[0].sku``);
    iterative, so a deep value cannot exhaust the stack."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str | dt.datetime):
            yield path, item
        elif isinstance(item, msgspec.Struct):
            names = zip(item.__struct_fields__, item.__struct_encode_fields__, strict=True)
            stack.extend(
                (f"{path}.{wire}" if path else wire, getattr(item, name)) for name, wire in names
            )
        elif isinstance(item, dict):
            for key, child in item.items():
                stack.append((path, key))
                stack.append((f"{path}.{key}" if path else str(key), child))
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend((f"{path}[{index}]", child) for index, child in enumerate(item))


def check_body(value: Any) -> None:
    """The character and datetime rules over a decoded body."""
    for path, item in _walk(value):
        if isinstance(item, str):
            if _FORBIDDEN.search(item):
                raise _invalid_character(path, "body")
        elif not moment_in_range(item):
            raise _out_of_range(path, "body")


def decode_body(body: bytes, target: Any) -> Any:
    """``body`` decoded strictly as ``target``, then checked; every failure is a 4xx."""
    try:
        value = msgspec.json.decode(body or b"null", type=target, strict=True)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at ")
        found = _MSGSPEC_PATH.search(where)
        key = found.group(1) if found and found.group(1) else "data"
        raise ValidationException(
            detail="the request body is not valid",
            extra=[{"key": key, "message": message, "source": "body"}],
        ) from None
    except msgspec.DecodeError as exc:
        raise ValidationException(detail=f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise HttpProblem(400, TOO_DEEP, "the request body is nested too deeply") from None
    except UnicodeDecodeError:
        raise _invalid_encoding("", "body") from None
    check_body(value)
    return value


class ShopRequest(Request[Any, Any, Any]):
    """The app's request class: ``json()`` decodes into the handler's ``data`` type strictly
    (:func:`decode_body`); Litestar's signature model then gets the typed value as it is."""

    _decoded: Any = msgspec.UNSET

    async def json(self) -> Any:
        if self._decoded is msgspec.UNSET:
            field = self.route_handler.parsed_data_field
            self._decoded = decode_body(
                await self.body(), Any if field is None else field.annotation
            )
        return self._decoded


__all__ = [
    "INVALID_CHARACTER",
    "INVALID_ENCODING",
    "TOO_DEEP",
    "InputGuard",
    "ShopRequest",
    "check_body",
    "decode_body",
    "moment_in_range",
]
