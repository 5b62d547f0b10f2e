"""Handing coupons out: claims (CPN-2), issues (CPN-3), codes (CPN-4). The bus commits.

Every acquisition goes through the template loaded *for update*, so the template's own checks
(CPN-2/3/4) see every earlier acquisition of it: the issued count never passes the total and no
user passes a limit, under any concurrency.

A claim (``ClaimCoupon``) is decided by :class:`ClaimBatchHandler` — alone, as a batch of one
(:class:`ClaimCouponHandler`), or with the claims of the same template queued with it, when the
bus batches claims (:mod:`shop_app.coupons.claiming`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Final

from shop_app.coupons import commands as c
from shop_app.coupons.codegen import GENERATE_CODES
from shop_app.coupons.errors import ClaimRefused
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.ports import CouponsUnitOfWork
from shop_app.coupons.results import Acquired, CodeBatchStarted, IssueReport, Refused
from shop_domain.coupons.batches import CodeBatch
from shop_domain.coupons.coupon import Coupon, Via
from shop_domain.coupons.errors import CodeNotFound
from shop_domain.coupons.template import AcquireRequest, CouponTemplate, normalise_code
from shop_domain.shared.errors import DomainError, InvalidValue

KEY_MAX: Final = 100


def check_key(value: str | None, what: str) -> None:
    """An idempotency or campaign key is 1..``KEY_MAX`` characters (``None``: no key)."""
    if value is not None and not 1 <= len(value) <= KEY_MAX:
        raise InvalidValue(f"the {what} is 1..{KEY_MAX} characters")


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
                check_key(claim.key, "idempotency key")
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


class ClaimCouponHandler:
    """CPN-2, one claim decided alone: as a batch of one, so that a claim gets the same answer
    batched or not. A refused claim raises :class:`ClaimRefused` with the rule's code."""

    def __init__(self, policy: CouponPolicy) -> None:
        self._batch = ClaimBatchHandler(policy)

    async def __call__(self, command: c.ClaimCoupon, uow: CouponsUnitOfWork) -> Acquired:
        batch = c.ClaimBatch(template_id=command.template_id, claims=(command,))
        [answer] = await self._batch(batch, uow)
        if isinstance(answer, Refused):
            raise ClaimRefused(answer)
        return answer


class IssueCouponsHandler:
    """CPN-3: one coupon per user, skipping users this campaign key already gave one to; users
    past the total are refused (``coupon.sold_out``) and reported, the others still get theirs."""

    def __init__(self, policy: CouponPolicy) -> None:
        self.policy = policy

    async def __call__(self, command: c.IssueCoupons, uow: CouponsUnitOfWork) -> IssueReport:
        campaign_key = command.campaign_key.strip()
        check_key(campaign_key or None, "campaign key")
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
        check_key(command.key, "idempotency key")
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
