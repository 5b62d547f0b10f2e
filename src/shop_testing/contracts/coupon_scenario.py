"""The shared scenario of the coupon contract suites.

:func:`run_scenario` drives a backend through the real message bus (templates in every state,
claims with retries and refusals, issues, a shared and a one-time code, locks, uses, returns,
a release after validity ended, a void, a sweep) and returns what it did, so that the
persistence suite can check the ledger against the coupons and the query suite can compare a
backend with the ``memory://`` reference fed the same commands.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import attrs

from shop_app.coupons import commands as c
from shop_app.coupons.results import Acquired, CodeBatchStarted, IssueReport, OrderCoupons
from shop_domain.coupons import (
    Benefit,
    ClaimWindow,
    CouponKind,
    CouponTerms,
    Distribution,
    ReturnPolicy,
    TemplateDefinition,
)
from shop_testing.contracts.backend import T0, Backend
from shop_testing.contracts.coupon_support import (
    DAY,
    HOUR,
    O1,
    O2,
    O3,
    O4,
    O5,
    O6,
    O7,
    O8,
    O9,
    U1,
    U2,
    U3,
    U4,
    U5,
    UNIQUE_CODES,
    USERS,
    cny,
    every_term_definition,
    product_scope_definition,
    simple_definition,
)


@attrs.define
class Scenario:
    templates: dict[str, uuid.UUID] = attrs.field(factory=dict)
    coupons: dict[str, uuid.UUID] = attrs.field(factory=dict)
    batches: dict[str, uuid.UUID] = attrs.field(factory=dict)
    refused: list[str] = attrs.field(factory=list)
    times: dict[str, dt.datetime] = attrs.field(factory=dict)

    def coupon_ids(self) -> list[uuid.UUID]:
        return sorted(set(self.coupons.values()))


async def run_scenario(backend: Backend) -> Scenario:
    """Run the shared scenario on ``backend`` (its clock starts at ``T0``)."""
    bus, clock, s = backend.coupon_bus(), backend.clock, Scenario()

    async def template(
        name: str, definition: TemplateDefinition, *then: type[Any], advance: bool = True
    ) -> uuid.UUID:
        if advance:
            clock.advance(minutes=1)
        s.templates[name] = await bus.handle(
            c.CreateTemplate(definition=definition, created_by="ops")
        )
        for command in then:
            await bus.handle(command(template_id=s.templates[name]))
        return s.templates[name]

    activate = c.ActivateTemplate
    spring = await template("spring", every_term_definition(), activate)
    cash = await template(
        "cash",
        simple_definition("Cash 10", days=2, total=5, description="10 off, 2 days"),
        activate,
    )
    welcome = await template(
        "welcome",
        simple_definition(
            "Welcome",
            value="20.00",
            threshold="100.00",
            days=30,
            distribution=Distribution.ISSUE_ONLY,
            public=False,
            return_policy=ReturnPolicy.NON_RETURNABLE,
        ),
        activate,
    )
    flash = await template(
        "flash",
        simple_definition(
            "Flash 5", value="5.00", days=1, total=1, claim_window=ClaimWindow(None, T0 + DAY)
        ),
        activate,
    )
    await template(
        "soon",
        simple_definition("Soon 3", value="3.00", claim_window=ClaimWindow(T0, T0 + DAY)),
        activate,
    )
    await template(  # same claim end and creation time as "soon": the id breaks the tie
        "soon-twin",
        simple_definition("Soon twin", value="3.00", claim_window=ClaimWindow(T0, T0 + DAY)),
        activate,
        advance=False,
    )
    await template(
        "later",
        simple_definition(
            "Later",
            claim_window=ClaimWindow(T0 + DAY, None),
            terms=CouponTerms(benefit=Benefit(CouponKind.CASH, value=cny("8.00")), stackable=True),
        ),
        activate,
    )
    await template("draft", simple_definition("Draft"))
    await template("paused", simple_definition("Paused"), activate, c.PauseTemplate)
    await template("ended", simple_definition("Ended"), activate, c.EndTemplate)
    await template("product", product_scope_definition(), activate)

    async def claim_batch(
        template_id: uuid.UUID, *claims: tuple[str, uuid.UUID, str | None]
    ) -> None:
        clock.advance(minutes=1)
        answers = await bus.handle(
            c.ClaimBatch(
                template_id=template_id,
                claims=tuple(
                    c.ClaimCoupon(template_id=template_id, user_id=user, key=key)
                    for _, user, key in claims
                ),
            )
        )
        for (name, _, _), answer in zip(claims, answers, strict=True):
            if isinstance(answer, Acquired):
                s.coupons.setdefault(name, answer.coupon_id)
            else:
                s.refused.append(f"{name}:{answer.code}")

    s.times["claims"] = clock.now() + dt.timedelta(minutes=1)
    await claim_batch(
        spring,
        ("spring-u1", U1, "k1"),
        ("spring-u2", U2, None),
        ("spring-u3", U3, None),
        ("spring-u1", U1, "k1"),  # a retry: the same coupon
        ("spring-u1b", U1, None),
        ("spring-u1c", U1, None),  # refused: two a day
    )
    await claim_batch(cash, ("cash-u1", U1, None), ("cash-u2", U2, None))
    await claim_batch(cash, ("cash-u1b", U1, None), ("cash-u1c", U1, None))  # refused: 2 each
    await claim_batch(flash, ("flash-u5", U5, None), ("flash-u4", U4, None))  # refused: sold out

    async def issue(name: str, template_id: uuid.UUID, key: str, *users: uuid.UUID) -> None:
        clock.advance(minutes=1)
        report: IssueReport = await bus.handle(
            c.IssueCoupons(
                template_id=template_id, campaign_key=key, user_ids=users, issued_by="ops"
            )
        )
        for user, coupon_id in report.issued:
            s.coupons[f"{name}-u{USERS.index(user) + 1}"] = coupon_id

    await issue("welcome", welcome, "welcome", U1, U2, U3)
    await issue("welcome", welcome, "welcome", U1, U2, U4)  # U1 and U2 have theirs already
    await issue("product", s.templates["product"], "review-reward", U4)
    clock.advance(minutes=1)
    shared: Acquired = await bus.handle(c.RedeemCode(user_id=U4, code="Spring-2026", key="r4"))
    s.coupons["spring-u4-code"] = shared.coupon_id

    # one-time codes, written by the code store as a generation job would
    clock.advance(minutes=1)
    for name, template_id, count in (("spring", spring, 4), ("cash", cash, 1)):
        started: CodeBatchStarted = await bus.handle(
            c.ReserveCodeBatch(template_id=template_id, count=count, created_by="ops")
        )
        s.batches[name] = started.batch_id
    store = backend.code_store()
    await store.insert_chunk(s.batches["spring"], spring, UNIQUE_CODES[:3], clock.now())
    await store.insert_chunk(s.batches["spring"], spring, UNIQUE_CODES[2:], clock.now())
    clock.advance(minutes=1)
    unique: Acquired = await bus.handle(c.RedeemCode(user_id=U5, code="aaaa-2222-bbbb"))
    s.coupons["spring-u5-unique"] = unique.coupon_id

    # orders
    clock.advance(hours=1)
    s.times["orders"] = clock.now()

    async def lock(order: uuid.UUID, user: uuid.UUID, *names: str) -> OrderCoupons:
        clock.advance(minutes=1)
        ids = tuple(s.coupons[n] for n in names)
        result: OrderCoupons = await bus.handle(
            c.LockCoupons(order_id=order, user_id=user, coupon_ids=ids)
        )
        return result

    async def use(order: uuid.UUID, amount: str, *uses: tuple[str, str]) -> None:
        clock.advance(minutes=1)
        await bus.handle(
            c.UseCoupons(
                order_id=order,
                uses=tuple(c.CouponUse(coupon_id=s.coupons[n], discount=cny(d)) for n, d in uses),
                order_amount=cny(amount),
            )
        )

    await lock(O1, U1, "spring-u1")
    await use(O1, "150.00", ("spring-u1", "15.00"))
    await lock(O8, U1, "welcome-u1")
    await use(O8, "200.00", ("welcome-u1", "20.00"))
    await lock(O2, U2, "cash-u2")
    await use(O2, "80.00", ("cash-u2", "10.00"))
    clock.advance(minutes=1)
    await bus.handle(c.ReturnCoupons(order_id=O2, whole_order=True))  # back to available
    await lock(O3, U3, "welcome-u3")
    await use(O3, "120.00", ("welcome-u3", "20.00"))
    clock.advance(minutes=1)
    await bus.handle(c.ReturnCoupons(order_id=O3, whole_order=True))  # non-returnable: kept
    await bus.handle(c.ReturnCoupons(order_id=O1, whole_order=False))  # partial: kept
    await lock(O4, U1, "cash-u1")
    clock.advance(minutes=1)
    await bus.handle(c.ReleaseCoupons(order_id=O4))  # back to available
    await lock(O5, U2, "spring-u2")  # stays locked
    clock.advance(minutes=1)
    await bus.handle(
        c.VoidCoupon(coupon_id=s.coupons["spring-u3"], reason="fraud", voided_by="ops")
    )
    await lock(O6, U1, "cash-u1b")

    # CPN-12: the cash coupons' two days end; O6 is cancelled after that
    clock.current = T0 + 2 * DAY + HOUR
    s.times["after-cash"] = clock.now()
    await bus.handle(c.ReleaseCoupons(order_id=O6))  # -> expired, not available
    clock.advance(minutes=1)
    s.times["sweep"] = clock.now()
    await bus.handle(c.ExpireCoupons(limit=1))
    await bus.handle(c.ExpireCoupons(limit=100))
    # a claim on a later day, within the spring claim window
    clock.advance(hours=1)
    await claim_batch(spring, ("spring-u5", U5, "late"), ("spring-u2b", U2, None))
    await lock(O7, U5, "spring-u5")
    await use(O7, "300.00", ("spring-u5", "30.00"))
    # two stackable coupons on one order: two log entries at the same moment
    await claim_batch(s.templates["later"], ("later-u2", U2, None))
    await lock(O9, U2, "spring-u2b", "later-u2")
    await use(O9, "180.00", ("spring-u2b", "15.75"), ("later-u2", "8.00"))
    s.times["end"] = clock.now()
    return s
