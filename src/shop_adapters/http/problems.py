"""Every error answer is an RFC 9457 problem document (``application/problem+json``) (SEC-4).

The document::

    {"type": "about:blank", "title": "Conflict", "status": 409,
     "detail": "this idempotency key was already used for a different request",
     "code": "idempotency.key_reused", "instance": "/orders"}

- ``type`` is always ``about:blank`` and ``title`` is then the HTTP status phrase, as RFC 9457
  §4.2.1 asks. We do not publish a problem-type URI per error because we own no stable address
  to document them at; the machine-readable identity of a problem is our ``code`` extension
  member, the same stable code the domain raises (``coupon.sold_out``). Clients branch on
  ``code``, never on ``detail`` (human text) or ``title``.
- ``instance`` is the request path (no query string: it may hold things we do not echo).
- ``errors`` lists field errors for request validation problems (400 ``request.invalid``).
- ``details`` carries the facts a domain error chose to expose (``{"permission": "x.write"}``).

Mapping: ``DomainError.kind`` invalid→422, not_found→404, conflict→409, forbidden→403,
rate_limited→429 and unavailable→503 (with ``Retry-After`` when the error's ``details`` carry
``retry_after_seconds``: ``storage.unavailable`` when the database cannot be reached,
``storage.busy`` when no pooled connection came free within ``SHOP_DATABASE_POOL_WAIT``);
Litestar's validation errors (bad body, query, path; msgspec decode errors) → 400
``request.invalid``; other Litestar HTTP errors by status (401 ``auth.unauthenticated``,
403 ``auth.forbidden``, 404 ``http.not_found``, 405 ``http.method_not_allowed``, 413
``request.too_large``…); anything else → 500 ``internal.error``, logged with its traceback,
with nothing of the exception in the body. The kernel's input rules
(:mod:`shop_adapters.http.limits`) add 400 ``request.invalid_character``,
``request.invalid_encoding`` and ``request.too_deep``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import logging
import math
import re
import uuid
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final

from litestar import Request, Response
from litestar.datastructures import ResponseHeader
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.types import ExceptionHandlersMap

from shop_adapters.http.schemas import FieldError, MoneySchema, Problem
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money

log = logging.getLogger("shop_adapters.http")

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE = "about:blank"

KIND_STATUS: Mapping[str, int] = {
    "invalid": 422,
    "not_found": 404,
    "conflict": 409,
    "forbidden": 403,
    "rate_limited": 429,
    "unavailable": 503,
}

STATUS_CODE: Mapping[int, str] = {
    400: "request.invalid",
    401: "auth.unauthenticated",
    403: "auth.forbidden",
    404: "http.not_found",
    405: "http.method_not_allowed",
    406: "http.not_acceptable",
    413: "request.too_large",
    415: "request.unsupported_media_type",
    429: "http.too_many_requests",
    500: "internal.error",
    503: "http.unavailable",
}

GENERIC_DETAIL: Mapping[int, str] = {
    401: "a valid bearer token is required",
    404: "no such resource",
    405: "this method is not allowed on this resource",
    413: "the request body is too large",
    500: "an internal error occurred; it has been logged",
}


class HttpProblem(Exception):
    """Raise from HTTP code to answer with a problem of a given status and code — for the
    few failures that belong to HTTP rather than the domain (a malformed header, readiness)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        details: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.details = dict(details) if details else None
        self.headers = dict(headers or {})


def problem_response(
    request: Request[Any, Any, Any] | None,
    status: int,
    code: str,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response[Problem]:
    """A problem-details response; usable directly by handlers that answer with a problem."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = Problem(
        type=PROBLEM_TYPE,
        title=title,
        status=status,
        detail=detail,
        code=code,
        instance=request.scope.get("path") if request is not None else None,
        errors=errors or None,
        details=_jsonable(details) if details else None,
    )
    return Response(
        content=body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {})
    )


LOCATION: Final = [
    ResponseHeader(
        name="Location",
        value="/",  # documentation only: the value's type gives the header its schema
        description="Where the new resource can be read (or, for 202, followed)",
        documentation_only=True,
        required=True,
    )
]
"""``response_headers=LOCATION`` on a route answering 201 (or 202) with a ``Location``."""


def problem_spec(description: str) -> ResponseSpec:
    """An OpenAPI response entry for a problem answer: ``responses={409: problem_spec("…")}``."""
    return ResponseSpec(data_container=Problem, description=description, media_type=PROBLEM_JSON)


def _jsonable(value: Any) -> Any:
    """Details a domain error exposes, made JSON-safe (money as our wire money, no floats)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Money):
        return msgspec_money(value)
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return str(value)


def msgspec_money(money: Money) -> dict[str, str]:
    schema = MoneySchema.from_domain(money)
    return {"amount": schema.amount, "currency": schema.currency}


# --- handlers -------------------------------------------------------------------------------


def _retry_after(details: Mapping[str, Any]) -> dict[str, str]:
    """``Retry-After`` (whole seconds, at least 1) from ``details["retry_after_seconds"]``."""
    seconds = details.get("retry_after_seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float | decimal.Decimal):
        return {}
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


def _domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    status = KIND_STATUS.get(exc.kind, 400)
    headers = _retry_after(exc.details) if status in (429, 503) else {}
    return problem_response(
        request, status, exc.code, exc.message, details=exc.details, headers=headers
    )


def _http_problem(request: Request[Any, Any, Any], exc: HttpProblem) -> Response[Problem]:
    if exc.status >= 500:
        log.warning(
            "%s %s -> %s %s: %s", request.method, request.url.path, exc.status, exc.code, exc.detail
        )
    return problem_response(
        request,
        exc.status,
        exc.code,
        exc.detail,
        errors=exc.errors,
        details=exc.details,
        headers=exc.headers,
    )


_NAMED_FIELD = re.compile(r"(?:missing required|unknown) field `([^`]+)`")


def _field_name(key: str, message: str, source: str | None) -> str:
    """Litestar names the whole body ``data``; say which field instead when msgspec told us."""
    if source == "body" and key in ("data", ""):
        found = _NAMED_FIELD.search(message)
        return found.group(1) if found else ""
    return key


def _field_errors(extra: Any) -> list[FieldError]:
    errors: list[FieldError] = []
    items = extra if isinstance(extra, list) else [extra] if extra else []
    for item in items:
        if isinstance(item, Mapping):
            source = _source(item.get("source"))
            message = str(item.get("message", "invalid value"))
            errors.append(
                FieldError(
                    field=_field_name(str(item.get("key", "")), message, source),
                    message=message,
                    source=source,
                )
            )
        else:
            errors.append(FieldError(field="", message=str(item)))
    return errors


def _source(source: Any) -> str | None:
    if source is None:
        return None
    return str(source.value) if isinstance(source, enum.Enum) else str(source)


def _validation_error(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[Problem]:
    errors = _field_errors(exc.extra)
    if not errors and exc.detail:
        # e.g. a body that is not JSON at all: msgspec's message names the position
        errors = [FieldError(field="", message=str(exc.detail), source="body")]
    return problem_response(
        request, 400, "request.invalid", "the request is not valid", errors=errors
    )


def _unauthenticated(
    request: Request[Any, Any, Any], exc: NotAuthorizedException
) -> Response[Problem]:
    invalid = bool(getattr(exc, "invalid_token", False))
    challenge = 'Bearer realm="shop"' + (', error="invalid_token"' if invalid else "")
    detail = getattr(exc, "public_detail", None) or GENERIC_DETAIL[401]
    return problem_response(
        request,
        401,
        "auth.unauthenticated",
        detail,
        headers={"WWW-Authenticate": challenge},
    )


def _http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    if status >= 500:
        log.error("%s %s failed with %s", request.method, request.url.path, status, exc_info=exc)
        return problem_response(
            request, status, STATUS_CODE.get(status, "internal.error"), GENERIC_DETAIL[500]
        )
    code = STATUS_CODE.get(status, f"http.{status}")
    detail = GENERIC_DETAIL.get(status) or (exc.detail or HTTPStatus(status).phrase)
    headers = dict(exc.headers or {})
    return problem_response(request, status, code, detail, headers=headers)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.error(
        "unhandled %s in %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc
    )
    return problem_response(request, 500, "internal.error", GENERIC_DETAIL[500])


def exception_handlers() -> ExceptionHandlersMap:
    """The app-level handlers; Litestar picks the most specific class in each error's MRO."""
    return {
        DomainError: _domain_error,
        HttpProblem: _http_problem,
        ValidationException: _validation_error,
        NotAuthorizedException: _unauthenticated,
        HTTPException: _http_exception,
        Exception: _unexpected,
    }


__all__ = [
    "LOCATION",
    "PROBLEM_JSON",
    "HttpProblem",
    "exception_handlers",
    "problem_response",
    "problem_spec",
]
