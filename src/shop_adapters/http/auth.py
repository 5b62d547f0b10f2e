"""Authentication and authorization for the HTTP API (RULES SEC-1, SEC-3).

- Clients send ``Authorization: Bearer <JWT>``: HS256 signed with the shop's secret
  (:func:`~shop_adapters.shared.jwt_secret.resolve_jwt_secret`: ``SHOP_JWT_SECRET``, else a
  private file made on first use, else per process for ``memory://``), issued
  by ``settings.jwt_issuer``, with ``exp``, ``iat``, ``iss`` and ``sub`` required, plus our claims
  ``kind`` (``"customer"`` | ``"operator"``) and ``perms`` (permission names, ``"*"`` = all).
  :func:`mint_token` makes one (the ``shop token`` command, tests).
- Every route needs a valid token except ``/health/*``, ``/schema*`` and handlers marked public
  with ``opt=PUBLIC`` (``{"public": True}``). On a public route a token is optional: without one
  the handler runs anonymously; with one the principal is known (``maybe_principal``). A token
  that is *presented* is always checked, so a bad or expired token is a 401 even on a public
  route — a client is never silently downgraded to anonymous.
- Handlers get the principal by declaring ``principal: Principal`` (401 if anonymous) or
  ``maybe_principal: Principal | None``. Guards: ``guards=[requires("catalog.write")]`` (403
  ``auth.permission_required`` naming the permission), ``customer_only``, ``operator_only``.
- Tokens never reach logs or error bodies: failures are reported with fixed messages and the
  underlying decode error is dropped.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any, Final, Literal, get_args

import jwt
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.spec import Components, SecurityScheme
from litestar.security.jwt import JWTAuth, JWTAuthenticationMiddleware, Token
from litestar.types import Guard, Receive, Scope, Send

from shop_adapters.settings import Settings
from shop_adapters.shared.jwt_secret import jwt_secret_of
from shop_app.shared.auth import Principal
from shop_domain.shared.errors import Forbidden, InvalidValue

ALGORITHM: Final = "HS256"
PUBLIC_OPT_KEY: Final = "public"
PUBLIC: Final[dict[str, Any]] = {PUBLIC_OPT_KEY: True}
"""``@get("/products", opt=PUBLIC)``: no token needed (SEC-1's public reads)."""
SECURITY_SCHEME: Final = "BearerToken"
EXCLUDED_PATHS: Final = [r"^/health(/|$)", r"^/schema(/|$|\.)"]

TokenKind = Literal["customer", "operator"]
TOKEN_KINDS: Final = frozenset(get_args(TokenKind))


class Unauthenticated(NotAuthorizedException):
    """401: no usable credentials. ``public_detail`` is safe to show; ``invalid_token`` says a
    token was presented and refused (``WWW-Authenticate: Bearer error="invalid_token"``)."""

    def __init__(self, public_detail: str, *, invalid_token: bool) -> None:
        super().__init__(detail=public_detail)
        self.public_detail = public_detail
        self.invalid_token = invalid_token


class InvalidSubject(InvalidValue):
    """A token for no one, or a customer token whose subject is not a user id."""

    code = "auth.invalid_subject"


class InvalidTokenKind(InvalidValue):
    code = "auth.invalid_kind"


class InvalidTokenLifetime(InvalidValue):
    code = "auth.invalid_ttl"


class CustomersOnly(Forbidden):
    code = "auth.customer_only"


class OperatorsOnly(Forbidden):
    code = "auth.operator_only"


# --- tokens ---------------------------------------------------------------------------------


def mint_token(
    settings: Settings,
    subject: str,
    kind: TokenKind,
    permissions: Iterable[str] = (),
    ttl_seconds: int | None = None,
    *,
    now: dt.datetime | None = None,
) -> str:
    """A signed bearer token for ``subject``, valid ``ttl_seconds`` (default
    ``settings.jwt_ttl_seconds``) from ``now`` (default: the current time)."""
    if not subject:
        raise InvalidSubject("a token needs a subject")
    if kind not in TOKEN_KINDS:
        raise InvalidTokenKind(f"unknown principal kind {kind!r}")
    ttl = settings.jwt_ttl_seconds if ttl_seconds is None else ttl_seconds
    if ttl <= 0:
        raise InvalidTokenLifetime("a token's lifetime must be positive")
    issued = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    claims = {
        "sub": subject,
        "kind": kind,
        "perms": sorted(set(permissions)),
        "iss": settings.jwt_issuer,
        "iat": int(issued.timestamp()),
        "exp": int((issued + dt.timedelta(seconds=ttl)).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, jwt_secret_of(settings), algorithm=ALGORITHM)


async def principal_from_token(
    token: Token, _connection: ASGIConnection[Any, Any, Any, Any]
) -> Principal | None:
    """The ``retrieve_user_handler``: our claims → a :class:`Principal` (``None`` → 401)."""
    kind = token.extras.get("kind")
    perms = token.extras.get("perms", [])
    if kind != "customer" and kind != "operator":
        return None
    if not isinstance(perms, list) or not all(isinstance(p, str) and p for p in perms):
        return None
    return Principal(subject=token.sub, kind=kind, permissions=frozenset(perms))


class BearerAuthenticationMiddleware(JWTAuthenticationMiddleware):
    """Litestar's JWT middleware, with optional authentication on public routes and messages
    that never echo the token."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._applies(scope):
            connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
            handler = scope.get("route_handler")
            public = handler is not None and bool(handler.opt.get(PUBLIC_OPT_KEY))
            if not public or connection.headers.get(self.auth_header):
                result = await self.authenticate_request(connection)
                scope["user"] = result.user
                scope["auth"] = result.auth
        await self.app(scope, receive, send)

    def _applies(self, scope: Scope) -> bool:
        if scope["type"] not in self.scopes:
            return False
        handler = scope.get("route_handler")
        if handler is not None and handler.opt.get(self.exclude_opt_key):
            return False
        if self.exclude_http_methods and scope.get("method") in self.exclude_http_methods:
            return False
        return not (self.exclude is not None and self.exclude.search(scope["path"]))

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> Any:
        header = connection.headers.get(self.auth_header)
        if not header:
            raise Unauthenticated("a bearer token is required", invalid_token=False)
        scheme, _, encoded = header.strip().partition(" ")
        encoded = encoded.strip()
        if scheme.lower() != "bearer" or not encoded:
            raise Unauthenticated(
                "the Authorization header must be 'Bearer <token>'", invalid_token=True
            )
        try:
            return await self.authenticate_token(encoded_token=encoded, connection=connection)
        except NotAuthorizedException as exc:
            expired = isinstance(exc.__cause__, jwt.ExpiredSignatureError)
            detail = "the token has expired" if expired else "the token is not valid"
            raise Unauthenticated(detail, invalid_token=True) from None


class BearerJWTAuth(JWTAuth[Principal, Token]):
    """Litestar's JWT config with a valid OpenAPI scheme: an ``http`` bearer scheme has no
    ``name`` (that belongs to ``apiKey`` schemes; OpenAPI validators refuse it)."""

    @property
    def openapi_components(self) -> Components:
        return Components(
            security_schemes={
                self.openapi_security_scheme_name: SecurityScheme(
                    type="http", scheme="Bearer", bearer_format="JWT", description=self.description
                )
            }
        )


def jwt_auth(settings: Settings) -> JWTAuth[Principal, Token]:
    """The Litestar security config: middleware, OpenAPI bearer scheme, excluded paths."""
    return BearerJWTAuth(
        retrieve_user_handler=principal_from_token,
        token_secret=jwt_secret_of(settings),
        algorithm=ALGORITHM,
        accepted_issuers=[settings.jwt_issuer],
        require_claims=["exp", "iat", "iss", "sub"],
        default_token_expiration=dt.timedelta(seconds=settings.jwt_ttl_seconds),
        exclude=list(EXCLUDED_PATHS),
        authentication_middleware_class=BearerAuthenticationMiddleware,
        openapi_security_scheme_name=SECURITY_SCHEME,
        description=(
            "A JWT signed by this shop (`shop token`): claims `sub`, `kind` "
            "(customer|operator), `perms` (permission names, `*` for all)."
        ),
    )


# --- principals -----------------------------------------------------------------------------


def current_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The authenticated principal of a connection, or ``None`` on an anonymous public call."""
    user = connection.scope.get("user")
    return user if isinstance(user, Principal) else None


def require_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    principal = current_principal(connection)
    if principal is None:
        raise Unauthenticated("a bearer token is required", invalid_token=False)
    return principal


# --- guards ---------------------------------------------------------------------------------


def requires(permission: str) -> Guard:
    """A guard: the principal must hold ``permission`` (or ``*``), else 403
    ``auth.permission_required`` with ``details.permission``; anonymous → 401."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        require_principal(connection).require(permission)

    guard.__name__ = f"requires[{permission}]"
    guard.__qualname__ = guard.__name__
    guard.permission = permission  # type: ignore[attr-defined]  # read by create_app for docs
    return guard


def customer_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A guard: only customers (403 ``auth.customer_only``)."""
    if require_principal(connection).kind != "customer":
        raise CustomersOnly("only customers may do this")


def operator_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A guard: only operators (403 ``auth.operator_only``)."""
    if require_principal(connection).kind != "operator":
        raise OperatorsOnly("only operators may do this")


__all__ = [
    "PUBLIC",
    "PUBLIC_OPT_KEY",
    "SECURITY_SCHEME",
    "CustomersOnly",
    "InvalidSubject",
    "InvalidTokenKind",
    "InvalidTokenLifetime",
    "OperatorsOnly",
    "TokenKind",
    "Unauthenticated",
    "current_principal",
    "customer_only",
    "jwt_auth",
    "mint_token",
    "operator_only",
    "principal_from_token",
    "require_principal",
    "requires",
]
