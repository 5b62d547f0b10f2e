"""The household rule, by example: through the bus, and through HTTP as a customer meets it."""

import asyncio
import uuid

import pytest
from shop_app.coupons.commands import ActivateTemplate, ClaimCoupon, CreateTemplate
from shop_app.coupons.errors import ClaimRefused
from shop_domain.coupons import (
    Benefit,
    CouponKind,
    CouponTerms,
    Limits,
    TemplateDefinition,
    Validity,
)
from shop_domain.shared import Money

from household import AddressRequired, MoveIn, OneCouponPerHousehold, household_of

ANN, BOB, CAROL = (uuid.UUID(int=n) for n in (1, 2, 3))


async def campaign(shop, total=10):
    """A template of ``total`` coupons of 5 yuan off, two per person (the household rule is
    stricter), active now."""
    definition = TemplateDefinition(
        name="Spring",
        terms=CouponTerms(benefit=Benefit(CouponKind.CASH, value=Money(500, "CNY"))),
        validity=Validity.relative(7),
        limits=Limits(total_quantity=total, per_user=2),
    )
    template_id = await shop.runtime.bus.handle(
        CreateTemplate(definition=definition, created_by="ops")
    )
    await shop.runtime.bus.handle(ActivateTemplate(template_id=template_id))
    return template_id


def test_spelling_does_not_split_a_household():
    assert household_of("12 Elm St., Flat 3") == household_of("  12 ELM st  flat 3 ")
    assert household_of("12 Elm St") != household_of("13 Elm St")


async def test_one_coupon_of_a_campaign_per_household(shop):
    bus = shop.runtime.bus
    await bus.handle(MoveIn(user_id=ANN, address="12 Elm St., Flat 3"))
    await bus.handle(MoveIn(user_id=BOB, address="12 elm st flat 3"))
    await bus.handle(MoveIn(user_id=CAROL, address="7 Oak Road"))
    template_id = await campaign(shop)

    await bus.handle(ClaimCoupon(template_id=template_id, user_id=ANN))
    with pytest.raises(OneCouponPerHousehold):
        await bus.handle(ClaimCoupon(template_id=template_id, user_id=BOB))
    with pytest.raises(OneCouponPerHousehold):  # Ann too: one per household, not per person
        await bus.handle(ClaimCoupon(template_id=template_id, user_id=ANN))
    await bus.handle(ClaimCoupon(template_id=template_id, user_id=CAROL))


async def test_a_retry_of_the_same_claim_answers_the_same_coupon(shop):
    bus = shop.runtime.bus
    await bus.handle(MoveIn(user_id=ANN, address="12 Elm St"))
    template_id = await campaign(shop)
    first = await bus.handle(ClaimCoupon(template_id=template_id, user_id=ANN, key="k1"))
    again = await bus.handle(ClaimCoupon(template_id=template_id, user_id=ANN, key="k1"))
    assert (again.coupon_id, again.replayed) == (first.coupon_id, True)


async def test_a_claim_shop_refuses_gives_the_households_place_back(shop):
    bus = shop.runtime.bus
    for user in (ANN, BOB, CAROL):
        await bus.handle(MoveIn(user_id=user, address=f"{user.int} Elm St"))
    template_id = await campaign(shop, total=1)
    await bus.handle(ClaimCoupon(template_id=template_id, user_id=ANN))
    with pytest.raises(ClaimRefused):  # sold out: shop's own refusal
        await bus.handle(ClaimCoupon(template_id=template_id, user_id=BOB))
    await bus.handle(MoveIn(user_id=CAROL, address=f"{BOB.int} Elm St"))  # Carol joins Bob
    with pytest.raises(ClaimRefused):  # still sold out, not "your household already claimed"
        await bus.handle(ClaimCoupon(template_id=template_id, user_id=CAROL))


async def test_no_address_no_claim(shop):
    template_id = await campaign(shop)
    with pytest.raises(AddressRequired):
        await shop.runtime.bus.handle(ClaimCoupon(template_id=template_id, user_id=ANN))


async def test_over_http(shop, shop_client, shop_tokens):
    template_id = await campaign(shop)
    ann, bob = (shop_tokens.headers(shop_tokens.customer(str(u))) for u in (ANN, BOB))
    for headers in (ann, bob):
        moved = await shop_client.put(
            "/household/address", json={"address": "12 Elm St"}, headers=headers
        )
        assert moved.status_code == 200, moved.text
    claim = f"/coupons/templates/{template_id}/claim"
    assert (await shop_client.post(claim, headers=ann)).status_code == 201
    refused = await shop_client.post(claim, headers=bob)
    assert refused.status_code == 409
    assert refused.json()["code"] == OneCouponPerHousehold.code


async def test_a_household_racing_for_a_campaign_gets_one_coupon(shop):
    bus = shop.runtime.bus
    people = [uuid.UUID(int=100 + n) for n in range(8)]
    for person in people:
        await bus.handle(MoveIn(user_id=person, address="1 Crowded Lane"))
    template_id = await campaign(shop)
    outcomes = await asyncio.gather(
        *(bus.handle(ClaimCoupon(template_id=template_id, user_id=p)) for p in people),
        return_exceptions=True,
    )
    won = [o for o in outcomes if not isinstance(o, BaseException)]
    lost = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(won) == 1
    assert all(isinstance(o, OneCouponPerHousehold) for o in lost)
