"""The commands a coupon machine sends, and how it judges the answers: the part of
:class:`~shop_testing.machines.coupons.CouponTemplateMachine` a subclass overrides to put its
own context on our commands, or to let its own policy refuse them.

Every command goes through :meth:`CouponCommands.send` (the runtime's bus) and is built by a
hook (``claim_command(user)``…), so a subclass may add an actor, an idempotency key or fields
of its own. :meth:`CouponCommands.attempt` sends one and fails the run unless the answer is the
one the model predicts — success, or a refusal with the predicted code — or a refusal with one
of :meth:`CouponCommands.extra_refusals`, which is recorded in ``refused`` and changes nothing.
"""

from __future__ import annotations

import collections
import datetime as dt
import uuid
from typing import Any, ClassVar

import attrs

from shop_app.coupons import commands as c
from shop_app.coupons.policy import CouponPolicy
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money
from shop_testing.machines.base import ShopMachine


@attrs.frozen
class Answer:
    """What the runtime answered a command: its result, or the code it was refused with."""

    result: Any = None
    refusal: str | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


class CouponCommands(ShopMachine):
    """Builds, sends and judges the coupon commands of a machine over one template."""

    operator: ClassVar[str] = "kit-operator"
    """Who issues, voids and creates (``issued_by``, ``voided_by``, ``created_by``)."""
    extra_refusal_codes: ClassVar[frozenset[str]] = frozenset()
    """Error codes a subclass's own policy may refuse any of our commands with."""

    template_id: uuid.UUID

    def __init__(self) -> None:
        super().__init__()
        self.policy: CouponPolicy = self.shop.resolve(CouponPolicy)
        self.refused: collections.Counter[tuple[str, str]] = collections.Counter()
        """(command, code) of every refusal seen, predicted or extra."""

    @property
    def now(self) -> dt.datetime:
        return self.clock.now()

    @property
    def today(self) -> dt.date:
        """The business date of the per-user-per-day limits (the runtime's coupon policy)."""
        return self.policy.business_date(self.now)

    def extra_refusals(self) -> frozenset[str]:
        """Codes a refusal may carry besides the one the model predicts (a subclass's own
        policy): such a refusal is recorded and changes nothing in the model."""
        return self.extra_refusal_codes

    async def send(self, command: object) -> Any:
        """Send one command through the runtime's bus (add an actor or a key here)."""
        return await self.shop.runtime.bus.handle(command)

    def claim_command(self, user: uuid.UUID) -> object:
        return c.ClaimCoupon(template_id=self.template_id, user_id=user)

    def redeem_command(self, user: uuid.UUID, code: str) -> object:
        return c.RedeemCode(user_id=user, code=code)

    def issue_command(self, users: tuple[uuid.UUID, ...], campaign_key: str) -> object:
        return c.IssueCoupons(
            template_id=self.template_id,
            campaign_key=campaign_key,
            user_ids=users,
            issued_by=self.operator,
        )

    def lock_command(
        self, order_id: uuid.UUID, user: uuid.UUID, coupon_ids: tuple[uuid.UUID, ...]
    ) -> object:
        return c.LockCoupons(order_id=order_id, user_id=user, coupon_ids=coupon_ids)

    def use_command(
        self, order_id: uuid.UUID, coupon_id: uuid.UUID, discount: Money, amount: Money
    ) -> object:
        return c.UseCoupons(
            order_id=order_id,
            uses=(c.CouponUse(coupon_id=coupon_id, discount=discount),),
            order_amount=amount,
        )

    def release_command(self, order_id: uuid.UUID) -> object:
        return c.ReleaseCoupons(order_id=order_id)

    def return_command(self, order_id: uuid.UUID, whole_order: bool) -> object:
        return c.ReturnCoupons(order_id=order_id, whole_order=whole_order)

    def void_command(self, coupon_id: uuid.UUID) -> object:
        return c.VoidCoupon(coupon_id=coupon_id, reason="kit: voided", voided_by=self.operator)

    def attempt(self, command: object, expected: str | None = None) -> Answer:
        """Send ``command``; fail the run unless it succeeded where the model expects success,
        or was refused with the code the model expects or one of :meth:`extra_refusals`."""
        return self.run(self._attempt(command, expected))

    async def _attempt(self, command: object, expected: str | None) -> Answer:
        name = type(command).__name__
        try:
            result = await self.send(command)
        except DomainError as refused:
            if refused.code != expected and refused.code not in self.extra_refusals():
                wanted = f"the refusal {expected!r}" if expected else "success"
                raise AssertionError(
                    f"{name} was refused with {refused.code!r} ({refused}); the model expected "
                    f"{wanted}"
                ) from refused
            self.refused[(name, refused.code)] += 1
            return Answer(refusal=refused.code)
        assert expected is None, f"{name} succeeded; the model expected the refusal {expected!r}"
        return Answer(result)


__all__ = ["Answer", "CouponCommands"]
