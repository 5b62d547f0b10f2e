"""Coupons as shoppers see them (SEC-1): the public coupon center, and a signed-in customer's
claims, code redemptions and wallet.

- ``GET /coupons/center`` needs no token; with a customer token each item also says how many
  the caller holds and whether they may claim another.
- Everything else needs a customer token and acts on the caller only: the user id is the token's
  subject. Another user's coupon is as unknown as a missing one (404 ``coupon.not_found``).
- Claims and redemptions honour ``Idempotency-Key`` (SEC-5): the key travels with the command
  (``ClaimCoupon.key``, ``RedeemCode.key``), so a retry answers with the coupon the first attempt
  got (``replayed: true``) and no second coupon is handed out.
- Refusals carry the rule's code as a 409 (``coupon.sold_out``, ``coupon.per_user_limit``,
  ``coupon.issue_only``…); a wrong code is 404 ``coupon.code_invalid``, whatever the reason; after
  too many wrong codes the caller is locked out for a while: 429 with ``Retry-After``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Final, TypeVar

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from shop_adapters.http.auth import PUBLIC, InvalidSubject, customer_only
from shop_adapters.http.coupons.requests import RedeemIn
from shop_adapters.http.coupons.responses import (
    AcquiredOut,
    CenterItemOut,
    WalletItemOut,
    WalletOut,
)
from shop_adapters.http.problems import LOCATION, HttpProblem, problem_spec
from shop_adapters.http.schemas import FieldError, Page, Pagination
from shop_adapters.runtime import Runtime
from shop_app.coupons.commands import ClaimCoupon, RedeemCode
from shop_app.coupons.queries import WalletItem, WalletQuery
from shop_app.coupons.results import Acquired
from shop_app.coupons.services import CouponServices
from shop_app.shared import paging
from shop_app.shared.auth import Principal
from shop_domain.coupons.coupon import CouponState

T = TypeVar("T")

COMMAND_KEY_MAX: Final = 100
"""Coupon commands keep idempotency keys of up to 100 characters."""

TEMPLATE_NOT_FOUND: Final = problem_spec("No such template (`coupon.template_not_found`)")
COUPON_NOT_FOUND: Final = problem_spec(
    "No such coupon among the caller's (`coupon.not_found`): another user's coupon is unknown"
)
CLAIM_REFUSED: Final = problem_spec(
    "A claim rule refused (CPN-2): `coupon.not_active`, `coupon.issue_only`, "
    "`coupon.outside_claim_window`, `coupon.validity_over`, `coupon.sold_out`, "
    "`coupon.per_user_limit`, `coupon.per_user_daily_limit`, "
    "`coupon.points_exchange_unavailable`"
)
CODE_INVALID: Final = problem_spec(
    "The code is not valid (`coupon.code_invalid`): unknown, used or withdrawn alike"
)
LOCKED_OUT: Final = problem_spec(
    "Too many wrong codes lately (`coupon.code_attempts_exceeded`); see `Retry-After`"
)


# --- helpers shared with the back office ------------------------------------------------------


def user_id_of(principal: Principal) -> uuid.UUID:
    """A customer's user id: the token's subject, which must be a UUID."""
    try:
        return uuid.UUID(principal.subject)
    except ValueError:
        raise HttpProblem(
            403, InvalidSubject.code, "this customer token does not name a user id"
        ) from None


def command_key(idempotency_key: str | None) -> str | None:
    """The ``Idempotency-Key`` as a coupon command's key (at most 100 characters)."""
    if idempotency_key is not None and len(idempotency_key) > COMMAND_KEY_MAX:
        raise HttpProblem(
            400,
            "idempotency.invalid_key",
            f"the Idempotency-Key header of a coupon command is 1 to {COMMAND_KEY_MAX} characters",
            errors=[FieldError(field="Idempotency-Key", message="too long", source="header")],
        )
    return idempotency_key


async def window(
    fetch: Callable[[paging.PageRequest], Awaitable[paging.Page[T]]], pagination: Pagination
) -> tuple[list[T], int]:
    """``limit``/``offset`` over the application's page-numbered queries: the items of the
    window (at most two pages read) and the total."""
    size = pagination.limit
    number, skip = divmod(pagination.offset, size)
    page = await fetch(paging.PageRequest(page=number + 1, page_size=size))
    items = list(page.items[skip:])
    if skip and len(items) < size and pagination.offset + len(items) < page.total:
        following = await fetch(paging.PageRequest(page=number + 2, page_size=size))
        items.extend(following.items[: size - len(items)])
    return items, page.total


# --- the coupon center ------------------------------------------------------------------------


class CouponCenterController(Controller):
    """The public coupon center (SEC-1: no token needed; a presented token must be valid)."""

    path = "/coupons/center"
    tags = ["coupons"]
    opt = dict(PUBLIC)

    @get(
        "/",
        summary="Coupons that can be claimed now",
        description="Public templates inside their claim window with quantity left, soonest "
        "claim end first. With a customer token, `held_by_user` and `user_may_claim` say how "
        "many the caller holds and whether the per-user limit lets them claim another.",
    )
    async def center(
        self,
        runtime: NamedDependency[Runtime],
        maybe_principal: NamedDependency[Principal | None],
        pagination: NamedDependency[Pagination],
    ) -> Page[CenterItemOut]:
        user_id = None
        if maybe_principal is not None and maybe_principal.kind == "customer":
            user_id = user_id_of(maybe_principal)
        queries = runtime.get(CouponServices).queries
        now = runtime.clock.now()
        items, total = await window(
            lambda request: queries.center(now, user_id, request), pagination
        )
        return Page.of([CenterItemOut.of(item) for item in items], total, pagination)


# --- the signed-in customer -------------------------------------------------------------------


def _wallet_total(counts: dict[str, int], expiring: int, query: WalletQuery) -> int:
    """How many of the caller's coupons match the wallet's filters (the wallet read model
    counts by state and expiring-soon over all of them; expiring-soon ones are available)."""
    if query.expiring_soon:
        return expiring if query.state in (None, CouponState.AVAILABLE) else 0
    if query.state is not None:
        return counts.get(query.state.value, 0)
    return sum(counts.values())


class CouponCustomerController(Controller):
    """A customer's own coupons: claim, redeem a code, read the wallet."""

    path = "/"
    tags = ["coupons"]
    guards = [customer_only]

    @post(
        "/coupons/templates/{template_id:uuid}/claim",
        summary="Claim a coupon from the coupon center (CPN-2)",
        status_code=201,
        response_headers=LOCATION,
        responses={404: TEMPLATE_NOT_FOUND, 409: CLAIM_REFUSED},
    )
    async def claim(
        self,
        template_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        idempotency_key: NamedDependency[str | None],
    ) -> Response[AcquiredOut]:
        claim = ClaimCoupon(
            template_id=template_id,
            user_id=user_id_of(principal),
            key=command_key(idempotency_key),
        )
        acquired: Acquired = await runtime.bus.handle(claim, actor=principal)
        return _created(AcquiredOut.of(acquired))

    @post(
        "/coupons/redeem",
        summary="Enter a coupon code (CPN-4)",
        status_code=201,
        response_headers=LOCATION,
        responses={404: CODE_INVALID, 409: CLAIM_REFUSED, 429: LOCKED_OUT},
    )
    async def redeem(
        self,
        data: JSONBody[RedeemIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        idempotency_key: NamedDependency[str | None],
    ) -> Response[AcquiredOut]:
        command = RedeemCode(
            user_id=user_id_of(principal), code=data.code, key=command_key(idempotency_key)
        )
        # The key rides in the command: the coupon keeps it, and a retry finds the first coupon
        # through it (decision 0027); the bus's idempotency store is not asked as well.
        acquired: Acquired = await runtime.bus.handle(command, actor=principal)
        return _created(AcquiredOut.of(acquired))

    @get(
        "/me/coupons",
        summary="The caller's coupons (the wallet)",
        description="Soonest validity end first; states are effective now (CPN-12).",
    )
    async def wallet(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        pagination: NamedDependency[Pagination],
        state_filter: Annotated[
            CouponState | None,
            QueryParameter(name="state", description="Only coupons in this (effective) state"),
        ] = None,
        expiring_soon: Annotated[
            bool, QueryParameter(description="Only available coupons whose validity ends soon")
        ] = False,
    ) -> WalletOut:
        queries = runtime.get(CouponServices).queries
        now = runtime.clock.now()
        user_id = user_id_of(principal)

        def query(request: paging.PageRequest) -> WalletQuery:
            return WalletQuery(
                user_id=user_id, state=state_filter, expiring_soon=expiring_soon, paging=request
            )

        size = pagination.limit
        number, skip = divmod(pagination.offset, size)
        first = query(paging.PageRequest(page=number + 1, page_size=size))
        wallet = await queries.wallet(first, now)
        total = _wallet_total(dict(wallet.counts), wallet.expiring_soon, first)
        items: list[WalletItem] = list(wallet.items[skip:])
        if skip and len(items) < size and pagination.offset + len(items) < total:
            following = await queries.wallet(
                query(paging.PageRequest(page=number + 2, page_size=size)), now
            )
            items.extend(following.items[: size - len(items)])
        return WalletOut.of(
            wallet, items, total=total, limit=pagination.limit, offset=pagination.offset
        )

    @get(
        "/me/coupons/usable",
        summary="The caller's coupons usable now",
        description="Available and inside their validity: what checkout chooses from.",
    )
    async def usable(
        self, runtime: NamedDependency[Runtime], principal: NamedDependency[Principal]
    ) -> list[WalletItemOut]:
        items = await runtime.get(CouponServices).queries.usable(
            user_id_of(principal), runtime.clock.now()
        )
        return [WalletItemOut.of(item) for item in items]

    @get(
        "/me/coupons/{coupon_id:uuid}",
        summary="One of the caller's coupons",
        responses={404: COUPON_NOT_FOUND},
    )
    async def coupon(
        self,
        coupon_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> WalletItemOut:
        item = await runtime.get(CouponServices).queries.owned(
            user_id_of(principal), coupon_id, runtime.clock.now()
        )
        return WalletItemOut.of(item)


def _created(acquired: AcquiredOut) -> Response[AcquiredOut]:
    return Response(
        acquired, status_code=201, headers={"Location": f"/me/coupons/{acquired.coupon_id}"}
    )


__all__ = [
    "CouponCenterController",
    "CouponCustomerController",
    "command_key",
    "user_id_of",
    "window",
]
