"""The Litestar application: one function, :func:`create_app`, and the dependencies handlers use.

Handlers declare what they need by parameter name (Litestar dependency injection; mark each
with ``litestar.di.NamedDependency[...]`` and bodies with ``litestar.params.JSONBody[...]``,
as Litestar ≥ 2.23 asks — the bare forms are deprecated and go away in Litestar 3):

- ``runtime: NamedDependency[Runtime]``, ``bus: NamedDependency[MessageBus]``,
  ``clock: NamedDependency[Clock]`` — the running core;
- ``principal: NamedDependency[Principal]`` — the authenticated caller (401 if anonymous);
  ``maybe_principal: NamedDependency[Principal | None]`` — on public routes, ``None`` when no
  token was sent;
- ``idempotency_key: NamedDependency[str | None]`` — the validated ``Idempotency-Key`` header
  (SEC-5), documented in OpenAPI on every operation that asks for it;
- ``pagination: NamedDependency[Pagination]`` — ``?limit=`` (1..100, default 20) and
  ``?offset=`` (0..``MAX_OFFSET``).

Every request passes the kernel's input rules first (:mod:`shop_adapters.http.limits`):
characters, encoding, body size, nesting depth, strict JSON bodies, the datetime range.

A controller marks public reads with ``opt=PUBLIC`` and guards others with
``guards=[requires("catalog.write")]`` (see :mod:`shop_adapters.http.auth`). Commands go through
:func:`dispatch`, which passes the idempotency key, the caller as its owner, and the caller as
the ``actor`` whose operator actions the bus audits (SEC-2).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from typing import Annotated, Any, Final

import attrs
from litestar import Controller, Litestar, Request, Router
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.logging.config import BaseLoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import (
    RedocRenderPlugin,
    ScalarRenderPlugin,
    SwaggerRenderPlugin,
)
from litestar.params import HeaderParameter, QueryParameter

from shop_adapters.http.asyncapi import AsyncApiController
from shop_adapters.http.audit import AuditController
from shop_adapters.http.auth import (
    PUBLIC_OPT_KEY,
    current_principal,
    customer_only,
    jwt_auth,
    operator_only,
    require_principal,
)
from shop_adapters.http.health import HealthController
from shop_adapters.http.jobs import JobsController
from shop_adapters.http.limits import InputGuard, ShopRequest
from shop_adapters.http.problems import HttpProblem, exception_handlers, problem_spec
from shop_adapters.http.schemas import (
    DEFAULT_PAGE_SIZE,
    MAX_OFFSET,
    MAX_PAGE_SIZE,
    FieldError,
    Pagination,
)
from shop_adapters.runtime import Runtime
from shop_app.shared.auth import Principal
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.ports import Clock

RUNTIME_STATE: Final = "shop.runtime"
"""Where the app's state holds its runtime (:func:`runtime_of`)."""
IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH: Final = 200
KIND_NOTES: Final[dict[object, str]] = {
    operator_only: "Only operators may call this.",
    customer_only: "Only customers may call this.",
}
"""What the document says of an operation behind a principal-kind guard (the authorization
walk test reads it, as it reads "Requires the permission")."""
IDEMPOTENT_PARAMETERS: Final = frozenset({"idempotency_key", "commands"})
"""A handler asking for either takes an ``Idempotency-Key`` (and may answer 409)."""
DEFAULT_MAX_BODY_SIZE: Final = 1024 * 1024
"""1 MiB: far above any command we take; larger bodies are refused with 413."""
KERNEL_CONTROLLERS: Final[list[type[Controller]]] = [
    HealthController,
    JobsController,
    AuditController,
    AsyncApiController,
]
"""Served by every app: health probes, background jobs (``jobs.read``), the audit log
(``audit.read``), the AsyncAPI document of the integration events."""


def _version() -> str:
    try:
        return importlib.metadata.version("shop")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "0.0.0"


# --- idempotency ----------------------------------------------------------------------------


def validate_idempotency_key(raw: str | None) -> str | None:
    """``None`` when absent; the key when it is 1..200 printable ASCII characters; else 400
    ``idempotency.invalid_key``."""
    if raw is None:
        return None
    if not 1 <= len(raw) <= IDEMPOTENCY_KEY_MAX_LENGTH or not all(
        "\x20" <= ch <= "\x7e" for ch in raw
    ):
        raise HttpProblem(
            400,
            "idempotency.invalid_key",
            f"the {IDEMPOTENCY_HEADER} header must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} "
            "printable ASCII characters",
            errors=[FieldError(field=IDEMPOTENCY_HEADER, message="invalid key", source="header")],
        )
    return raw


def read_idempotency_key(request: Request[Any, Any, Any]) -> str | None:
    """The validated ``Idempotency-Key`` header of ``request`` (``None`` when absent)."""
    return validate_idempotency_key(request.headers.get(IDEMPOTENCY_HEADER))


async def provide_idempotency_key(
    key: Annotated[
        str | None,
        HeaderParameter(
            name=IDEMPOTENCY_HEADER,
            required=False,
            description=(
                "Makes the command safe to retry: a retry with the same key returns the first "
                "outcome and does the work once; reusing a key for a different request is a "
                "409 `idempotency.key_reused`. 1 to 200 printable ASCII characters."
            ),
        ),
    ] = None,
) -> str | None:
    return validate_idempotency_key(key)


def idempotency_owner(principal: Principal) -> str:
    """Keys are scoped to their caller: two callers' equal keys never meet."""
    return f"{principal.kind}:{principal.subject}"


async def dispatch(
    bus: MessageBus,
    command: object,
    *,
    principal: Principal,
    idempotency_key: str | None = None,
) -> Any:
    """Run ``command`` on the bus with the caller's idempotency key (SEC-5), as the caller
    (an operator's action is audited, SEC-2)."""
    return await bus.handle(
        command,
        idempotency_key=idempotency_key,
        idempotency_owner=idempotency_owner(principal),
        actor=principal,
    )


@attrs.frozen
class Commands:
    """A route's way to the bus: the caller and its ``Idempotency-Key`` come with it, so a
    handler asks for ``commands`` and sends, instead of threading all three through."""

    bus: MessageBus
    principal: Principal
    idempotency_key: str | None = None

    async def send(self, command: object) -> Any:
        return await dispatch(
            self.bus, command, principal=self.principal, idempotency_key=self.idempotency_key
        )


# --- dependencies ---------------------------------------------------------------------------


def runtime_of(request: Request[Any, Any, Any]) -> Runtime:
    """The app's runtime, for a hot route that needs it beside another dependency: Litestar
    resolves two dependencies of one level in an anyio task group, which costs a public search
    more than the rest of its routing (about 65 µs of 100 on this machine); the ``runtime``
    dependency is the same object."""
    runtime: Runtime = request.app.state[RUNTIME_STATE]
    return runtime


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    return require_principal(request)


async def provide_commands(
    bus: NamedDependency[MessageBus],
    principal: NamedDependency[Principal],
    idempotency_key: NamedDependency[str | None],
) -> Commands:
    return Commands(bus, principal, idempotency_key)


async def provide_maybe_principal(request: Request[Any, Any, Any]) -> Principal | None:
    return current_principal(request)


async def provide_pagination(
    limit: Annotated[
        int,
        QueryParameter(name="limit", ge=1, le=MAX_PAGE_SIZE, description="Items per page"),
    ] = DEFAULT_PAGE_SIZE,
    offset: Annotated[
        int, QueryParameter(name="offset", ge=0, le=MAX_OFFSET, description="Items to skip")
    ] = 0,
) -> Pagination:
    return Pagination(limit=limit, offset=offset)


def _dependencies(runtime: Runtime) -> dict[str, Provide]:
    async def provide_runtime() -> Runtime:
        return runtime

    async def provide_bus() -> MessageBus:
        return runtime.bus

    async def provide_clock() -> Clock:
        return runtime.clock

    return {
        "runtime": Provide(provide_runtime, use_cache=True),
        "bus": Provide(provide_bus, use_cache=True),
        "clock": Provide(provide_clock, use_cache=True),
        "principal": Provide(provide_principal),
        "maybe_principal": Provide(provide_maybe_principal),
        "idempotency_key": Provide(provide_idempotency_key),
        "commands": Provide(provide_commands),
        "pagination": Provide(provide_pagination),
    }


# --- the app --------------------------------------------------------------------------------


def create_app(
    runtime: Runtime,
    controllers: Sequence[type[Controller] | Router] | None = None,
    *,
    owns_runtime: bool = False,
    max_body_size: int = DEFAULT_MAX_BODY_SIZE,
    logging_config: BaseLoggingConfig | None = None,
) -> Litestar:
    """The HTTP API over ``runtime``.

    - ``controllers``: the contexts' controllers or routers; by default those of every context
      plugged into ``runtime`` (``ContextPlugin.http``). The kernel's —
      :data:`KERNEL_CONTROLLERS` — are always there.
    - ``owns_runtime``: close the runtime when the app shuts down (``shop serve``); leave it
      ``False`` when the embedder owns the runtime's life.
    - ``logging_config``: passed to Litestar. ``None`` (the default) leaves the host's logging
      alone; errors are logged on the ``shop_adapters.http`` logger either way.
    """
    if controllers is None:
        controllers = [c for context in runtime.contexts for c in context.controllers()]
    auth = jwt_auth(runtime.settings)
    app = Litestar(
        route_handlers=[*KERNEL_CONTROLLERS, *controllers],
        dependencies=_dependencies(runtime),
        exception_handlers=exception_handlers(),
        on_app_init=[auth.on_app_init],
        on_startup=[runtime.start],  # the gift-card keys checked before the first request
        on_shutdown=[runtime.close] if owns_runtime else [],
        openapi_config=OpenAPIConfig(
            title="shop",
            version=_version(),
            description="An embeddable e-commerce core. Errors are RFC 9457 problem details "
            "carrying a stable `code`.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin(), RedocRenderPlugin(), ScalarRenderPlugin()],
        ),
        request_max_body_size=max_body_size,
        request_class=ShopRequest,
        state=State({RUNTIME_STATE: runtime}),
        middleware=[DefineMiddleware(InputGuard, max_body_size=max_body_size)],
        logging_config=logging_config,
        debug=runtime.settings.debug,
    )
    _document(app)
    return app


def _document(app: Litestar) -> None:
    """OpenAPI touches Litestar cannot infer: public operations get ``security: [{}]`` (a token
    is optional there), guarded ones name their permission and the kind of caller they take
    (operators or customers only), and error answers are
    documented as problem details (a controller's own ``responses`` entries win)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            public = bool(handler.opt.get(PUBLIC_OPT_KEY) or handler.opt.get("exclude_from_auth"))
            guards = [g for layer in handler.ownership_layers for g in layer.guards or ()]
            if public and not handler.security:
                handler.security = [{}]
            notes = [KIND_NOTES[g] for g in guards if g in KIND_NOTES]
            permissions = [p for g in guards if (p := getattr(g, "permission", None))]
            if permissions:
                needed = ", ".join(f"`{p}`" for p in permissions)
                notes.append(f"Requires the permission {needed}.")
            for note in notes:
                if note not in (handler.description or ""):
                    handler.description = (
                        f"{handler.description}\n\n{note}" if handler.description else note
                    )
            if not handler.resolve_include_in_schema():
                continue
            errors = {
                400: problem_spec("The request is malformed (`request.invalid`, with `errors`)"),
                422: problem_spec("A business rule refused the request (see `code`)"),
                503: problem_spec(
                    "The database cannot be reached right now (`storage.unavailable`), or no "
                    "connection came free in time (`storage.busy`); nothing was done: retry "
                    "after `Retry-After` seconds"
                ),
            }
            # a token that is sent is checked, on public operations too (SEC-1)
            errors[401] = problem_spec(
                "A token was sent and is not valid (`auth.unauthenticated`)"
                if public
                else "No valid bearer token (`auth.unauthenticated`)"
            )
            if handler.paths and any("{" in path for path in handler.paths):
                # a path parameter of the wrong shape matches no route
                errors[404] = problem_spec("No such resource (`http.not_found`…)")
            if handler.parsed_data_field is not None:
                errors[413] = problem_spec("The body is too large (`request.too_large`)")
            if IDEMPOTENT_PARAMETERS & set(handler.parsed_fn_signature.parameters):
                errors[409] = problem_spec(
                    "A conflict (see `code`), e.g. `idempotency.key_reused`: the "
                    "`Idempotency-Key` was used for a different request"
                )
            if guards:
                errors[403] = problem_spec("Not allowed (`auth.permission_required`…)")
            handler.responses = {**errors, **(handler.responses or {})}


__all__ = [
    "IDEMPOTENCY_HEADER",
    "KERNEL_CONTROLLERS",
    "create_app",
    "dispatch",
    "idempotency_owner",
    "read_idempotency_key",
    "runtime_of",
    "validate_idempotency_key",
]
