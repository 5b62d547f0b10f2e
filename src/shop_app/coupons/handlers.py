"""Command handlers of coupons. They do not commit: the message bus does.

Every acquisition (claim, code, issue) goes through the template loaded *for update*, so the
template's own checks (CPN-2/3/4) see every earlier acquisition of it: the issued count never
passes the total and no user passes a limit, under any concurrency.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from shop_app.coupons import commands as c
from shop_app.coupons.codegen import GENERATE_CODES
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.ports import CouponsUnitOfWork
from shop_app.coupons.results import (
    Acquired,
    CodeBatchStarted,
    CouponOutcome,
    IssueReport,
    OrderCoupons,
    Refused,
)
from shop_app.shared.messagebus import CommandHandler
from shop_domain.coupons import rules
from shop_domain.coupons.batches import CodeBatch
from shop_domain.coupons.coupon import Coupon, CouponState, Outcome, Via
from shop_domain.coupons.errors import (
    CodeNotFound,
    CouponNotFound,
    CouponsConflictOnOrder,
    InvalidTemplate,
)
from shop_domain.coupons.template import (
    AcquireRequest,
    CouponTemplate,
    TemplateDefinition,
    normalise_code,
)
from shop_domain.shared.errors import DomainError, InvalidValue
from shop_domain.shared.rules import check_rule

KEY_MAX = 100


def _check_key(value: str | None, what: str) -> None:
    if value is not None and not 1 <= len(value) <= KEY_MAX:
        raise InvalidValue(f"the {what} is 1..{KEY_MAX} characters")


# --- templates ----------------------------------------------------------------------------


async def _check_public_code(
    uow: CouponsUnitOfWork, definition: TemplateDefinition, template_id: uuid.UUID
) -> None:
    if definition.public_code is None:
        return
    holder = await uow.coupon_templates.find_by_public_code(definition.public_code)
    if holder is not None and holder.id != template_id:
        raise InvalidTemplate(
            "another template already uses this public code", code="coupon.public_code_taken"
        )


async def create_template(command: c.CreateTemplate, uow: CouponsUnitOfWork) -> uuid.UUID:
    template_id = uow.ids.new_id()
    await _check_public_code(uow, command.definition, template_id)
    template = CouponTemplate.create(
        id=template_id,
        definition=command.definition,
        created_by=command.created_by,
        now=uow.clock.now(),
    )
    uow.coupon_templates.add(template)
    return template.id


async def edit_template(command: c.EditTemplate, uow: CouponsUnitOfWork) -> None:
    template = await uow.coupon_templates.get(command.template_id)
    await _check_public_code(uow, command.definition, template.id)
    template.edit(command.definition, uow.clock.now())


async def activate_template(command: c.ActivateTemplate, uow: CouponsUnitOfWork) -> None:
    template = await uow.coupon_templates.get(command.template_id)
    template.activate(uow.clock.now())


async def pause_template(command: c.PauseTemplate, uow: CouponsUnitOfWork) -> None:
    template = await uow.coupon_templates.get(command.template_id)
    template.pause(uow.clock.now())


async def end_template(command: c.EndTemplate, uow: CouponsUnitOfWork) -> None:
    template = await uow.coupon_templates.get(command.template_id)
    template.end(uow.clock.now())


# --- claiming, issuing, codes (CPN-2, CPN-3, CPN-4) -----------------------------------------


async def _hand_out(
    uow: CouponsUnitOfWork,
    template: CouponTemplate,
    requests: Sequence[AcquireRequest],
    policy: CouponPolicy,
) -> list[Coupon | DomainError]:
    """Let ``template`` decide ``requests`` against the users' holdings and add the coupons
    it grants; each request's coupon or the error that refused it, in order."""
    now = uow.clock.now()
    today = policy.business_date(now)
    holdings = await uow.coupons.holdings(template.id, {r.user_id for r in requests}, today)
    outcomes = template.acquire_many(
        requests, new_id=uow.ids.new_id, holdings=holdings, now=now, today=today
    )
    uow.coupons.add_many([o for o in outcomes if isinstance(o, Coupon)])
    return outcomes


class ClaimBatchHandler:
    """Decides many claims of one template in one transaction, in arrival order.

    A claim whose (user, key) already got a coupon answers with that coupon (a retry); the
    rest go through the template's checks one by one.
    """

    def __init__(self, policy: CouponPolicy) -> None:
        self.policy = policy

    async def __call__(
        self, command: c.ClaimBatch, uow: CouponsUnitOfWork
    ) -> list[Acquired | Refused]:
        for claim in command.claims:
            if claim.template_id != command.template_id:
                raise InvalidValue("a claim batch holds claims of one template")
        template = await uow.coupon_templates.get_for_update(command.template_id)
        keyed = {(claim.user_id, claim.key) for claim in command.claims if claim.key}
        earlier = await uow.coupons.by_acquisition_keys(template.id, keyed) if keyed else {}
        now = uow.clock.now()
        today = self.policy.business_date(now)
        holdings = await uow.coupons.holdings(
            template.id, {claim.user_id for claim in command.claims}, today
        )
        answers: list[Acquired | Refused] = []
        fresh: list[Coupon] = []
        for claim in command.claims:
            try:  # one client's bad key refuses its own claim, not the batch it shares
                _check_key(claim.key, "idempotency key")
            except InvalidValue as bad:
                answers.append(Refused(bad.code, bad.message, bad.kind))
                continue
            previous = earlier.get((claim.user_id, claim.key or ""))
            if previous is not None:
                answers.append(Acquired.of(previous, replayed=True))
                continue
            request = AcquireRequest(user_id=claim.user_id, via=Via.CLAIM, key=claim.key)
            [outcome] = template.acquire_many(
                [request], new_id=uow.ids.new_id, holdings=holdings, now=now, today=today
            )
            if isinstance(outcome, DomainError):
                answers.append(Refused(outcome.code, outcome.message, outcome.kind))
                continue
            fresh.append(outcome)
            if claim.key:
                earlier[(claim.user_id, claim.key)] = outcome
            answers.append(Acquired.of(outcome))
        uow.coupons.add_many(fresh)
        return answers


class IssueCouponsHandler:
    """CPN-3: one coupon per user, skipping users this campaign key already gave one to; users
    past the total are refused (``coupon.sold_out``) and reported, the others still get theirs."""

    def __init__(self, policy: CouponPolicy) -> None:
        self.policy = policy

    async def __call__(self, command: c.IssueCoupons, uow: CouponsUnitOfWork) -> IssueReport:
        campaign_key = command.campaign_key.strip()
        _check_key(campaign_key or None, "campaign key")
        if not campaign_key:
            raise InvalidValue("a campaign key names why the coupons are issued")
        users = list(dict.fromkeys(command.user_ids))
        if not users or len(users) > self.policy.max_issue_batch:
            raise InvalidValue(
                f"issue to 1..{self.policy.max_issue_batch} users at a time "
                "(larger lists go through a segment job)"
            )
        template = await uow.coupon_templates.get_for_update(command.template_id)
        already = await uow.coupons.issued_for_campaign(template.id, campaign_key, users)
        requests = [
            AcquireRequest(
                user_id=user, via=Via.ISSUE, campaign_key=campaign_key, actor=command.issued_by
            )
            for user in users
            if user not in already
        ]
        outcomes = await _hand_out(uow, template, requests, self.policy)
        fresh = [o for o in outcomes if isinstance(o, Coupon)]
        return IssueReport(
            issued=tuple((coupon.user_id, coupon.id) for coupon in fresh),
            already=tuple((user, coupon.id) for user, coupon in already.items()),
            refused=tuple(
                (request.user_id, outcome.code)
                for request, outcome in zip(requests, outcomes, strict=True)
                if isinstance(outcome, DomainError)
            ),
        )


class RedeemCodeHandler:
    """CPN-4: a shared public code is a claim of its template; a one-time code binds a coupon
    once. Every wrong code answers ``coupon.code_invalid`` alike (nothing about why)."""

    def __init__(self, policy: CouponPolicy) -> None:
        self.policy = policy

    async def __call__(self, command: c.RedeemCode, uow: CouponsUnitOfWork) -> Acquired:
        _check_key(command.key, "idempotency key")
        code = normalise_code(command.code)
        if not 4 <= len(code) <= 32:
            raise CodeNotFound()
        shared = await uow.coupon_templates.find_by_public_code(code)
        if shared is not None:
            return await self._acquire(
                uow,
                shared.id,
                AcquireRequest(user_id=command.user_id, via=Via.CODE, key=command.key),
            )
        unique = await uow.unique_codes.find_for_update(code)
        if unique is None:
            raise CodeNotFound()
        if unique.redeemed_by == command.user_id and unique.coupon_id is not None:
            return Acquired.of(await uow.coupons.get(unique.coupon_id), replayed=True)
        request = AcquireRequest(
            user_id=command.user_id, via=Via.UNIQUE_CODE, key=command.key, code=code
        )
        acquired = await self._acquire(uow, unique.template_id, request)
        unique.redeem(command.user_id, acquired.coupon_id, uow.clock.now())
        uow.unique_codes.save(unique)
        return acquired

    async def _acquire(
        self, uow: CouponsUnitOfWork, template_id: uuid.UUID, request: AcquireRequest
    ) -> Acquired:
        template = await uow.coupon_templates.get_for_update(template_id)
        if request.key:
            earlier = await uow.coupons.by_acquisition_keys(
                template.id, {(request.user_id, request.key)}
            )
            if earlier:
                return Acquired.of(next(iter(earlier.values())), replayed=True)
        [outcome] = await _hand_out(uow, template, [request], self.policy)
        if isinstance(outcome, DomainError):
            raise outcome
        return Acquired.of(outcome)


class ReserveCodeBatchHandler:
    def __init__(self, policy: CouponPolicy) -> None:
        self.policy = policy

    async def __call__(
        self, command: c.ReserveCodeBatch, uow: CouponsUnitOfWork
    ) -> CodeBatchStarted:
        if not isinstance(command.count, int) or not 1 <= command.count <= (
            self.policy.max_codes_per_batch
        ):
            raise InvalidValue(f"a batch has 1..{self.policy.max_codes_per_batch} codes")
        template = await uow.coupon_templates.get_for_update(command.template_id)
        now = uow.clock.now()
        batch = CodeBatch.reserve(
            id=uow.ids.new_id(),
            template_id=template.id,
            requested=command.count,
            created_by=command.created_by,
            now=now,
        )
        template.reserve_codes(batch.id, command.count, now)
        uow.code_batches.add(batch)
        # queued in this transaction: the job exists exactly when the batch does
        job_id = await uow.jobs.enqueue(
            GENERATE_CODES,
            {"batch_id": str(batch.id)},
            created_by=command.created_by,
            total=command.count,
        )
        return CodeBatchStarted(batch.id, job_id, command.count)


async def void_coupon(command: c.VoidCoupon, uow: CouponsUnitOfWork) -> CouponOutcome:
    coupon = await uow.coupons.get(command.coupon_id)
    outcome = coupon.void(command.reason, command.voided_by, uow.clock.now())
    return CouponOutcome(coupon.id, outcome)


# --- order-facing (CPN-5, CPN-9, CPN-10, CPN-12) --------------------------------------------


def _answer(order_id: uuid.UUID, outcomes: Sequence[tuple[Coupon, Outcome]]) -> OrderCoupons:
    return OrderCoupons(
        order_id, tuple(CouponOutcome(coupon.id, outcome) for coupon, outcome in outcomes)
    )


class LockCouponsHandler:
    """All or nothing: every coupon is checked and locked in one transaction; the first that
    cannot be locked refuses the lot (the bus rolls back)."""

    def __init__(self, policy: CouponPolicy) -> None:
        self.policy = policy

    async def __call__(self, command: c.LockCoupons, uow: CouponsUnitOfWork) -> OrderCoupons:
        ids = command.coupon_ids
        if not ids or len(set(ids)) != len(ids) or len(ids) > self.policy.max_coupons_per_order:
            raise InvalidValue(
                f"lock 1..{self.policy.max_coupons_per_order} distinct coupons",
                code="coupon.invalid_coupon_list",
            )
        on_order = await uow.coupons.for_order(command.order_id)
        strangers = [coupon.id for coupon in on_order if coupon.id not in ids]
        if strangers:
            raise CouponsConflictOnOrder(
                "the order already holds other coupons; release them first",
                details={"coupon_ids": [str(i) for i in strangers]},
            )
        coupons = {coupon.id: coupon for coupon in await uow.coupons.lock_many(ids)}
        for coupon_id in ids:
            if coupon_id not in coupons:
                raise CouponNotFound(coupon_id)
        templates = [
            await uow.coupon_templates.get(coupon.template_id) for coupon in coupons.values()
        ]
        check_rule(rules.OneCouponPerTemplateOnOrder(tuple(t.id for t in templates)))
        check_rule(rules.StackingAllowed(len(templates), all(t.terms.stackable for t in templates)))
        now = uow.clock.now()
        outcomes = [
            (coupons[i], coupons[i].lock(command.order_id, command.user_id, now)) for i in ids
        ]
        return _answer(command.order_id, outcomes)


async def use_coupons(command: c.UseCoupons, uow: CouponsUnitOfWork) -> OrderCoupons:
    on_order = {coupon.id: coupon for coupon in await uow.coupons.for_order(command.order_id)}
    uses = {use.coupon_id: use for use in command.uses}
    if len(uses) != len(command.uses):
        raise InvalidValue("each coupon is used once", code="coupon.invalid_coupon_list")
    if set(uses) != set(on_order):
        raise CouponsConflictOnOrder(
            "the coupons reported as used are not the coupons locked to the order",
            details={
                "locked": sorted(str(i) for i in on_order),
                "reported": sorted(str(i) for i in uses),
            },
        )
    now = uow.clock.now()
    outcomes = [
        (
            on_order[coupon_id],
            on_order[coupon_id].use(command.order_id, use.discount, command.order_amount, now),
        )
        for coupon_id, use in sorted(uses.items())
    ]
    return _answer(command.order_id, outcomes)


async def release_coupons(command: c.ReleaseCoupons, uow: CouponsUnitOfWork) -> OrderCoupons:
    now = uow.clock.now()
    coupons = await uow.coupons.for_order(command.order_id)
    return _answer(command.order_id, [(k, k.release(command.order_id, now)) for k in coupons])


async def return_coupons(command: c.ReturnCoupons, uow: CouponsUnitOfWork) -> OrderCoupons:
    now = uow.clock.now()
    coupons = [
        coupon
        for coupon in await uow.coupons.for_order(command.order_id)
        if coupon.state is CouponState.USED
    ]
    return _answer(
        command.order_id,
        [(k, k.give_back(command.order_id, command.whole_order, now)) for k in coupons],
    )


async def expire_coupons(command: c.ExpireCoupons, uow: CouponsUnitOfWork) -> int:
    if not 1 <= command.limit <= 10_000:
        raise InvalidValue("a sweep step expires 1..10000 coupons")
    now = uow.clock.now()
    return sum(coupon.expire(now) for coupon in await uow.coupons.due_to_expire(now, command.limit))


def coupon_command_handlers(policy: CouponPolicy) -> dict[type, CommandHandler]:
    return {
        c.CreateTemplate: create_template,
        c.EditTemplate: edit_template,
        c.ActivateTemplate: activate_template,
        c.PauseTemplate: pause_template,
        c.EndTemplate: end_template,
        c.ClaimBatch: ClaimBatchHandler(policy),
        c.IssueCoupons: IssueCouponsHandler(policy),
        c.RedeemCode: RedeemCodeHandler(policy),
        c.ReserveCodeBatch: ReserveCodeBatchHandler(policy),
        c.VoidCoupon: void_coupon,
        c.LockCoupons: LockCouponsHandler(policy),
        c.UseCoupons: use_coupons,
        c.ReleaseCoupons: release_coupons,
        c.ReturnCoupons: return_coupons,
        c.ExpireCoupons: expire_coupons,
    }
