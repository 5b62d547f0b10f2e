"""The household rule as properties, on values drawn by the kit's strategies: whatever the
template (any kind, limits, validity, distribution — `shop` may refuse the claims for its own
reasons) and whoever claims in whatever order, no household ends with two claimed coupons of
it, and a claim `shop` refused leaves the household free to claim."""

import asyncio
import collections

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from shop_adapters.shared.system import FixedClock
from shop_app.coupons.commands import ActivateTemplate, ClaimCoupon, CreateTemplate
from shop_domain.shared.errors import DomainError
from shop_testing.harness import memory_shop
from shop_testing.invariants import check_coupon_books
from shop_testing.invariants.coupons import coupons_of
from shop_testing.machines import START
from shop_testing.strategies import ids, template_definitions

from household import MoveIn, household_of
from household.app import SERVICE_CONTEXTS

homes = st.sampled_from(["12 Elm St", "12 ELM ST.", "7 Oak Road"])
claims = st.lists(st.integers(min_value=0, max_value=4), max_size=12)


@st.composite
def residents(draw):
    """Two to five people (the kit's ids), each at one of a few addresses in a few spellings."""
    users = draw(st.lists(ids(), min_size=2, max_size=5, unique=True))
    return [(user, draw(homes)) for user in users]


async def claim_in_turn(definition, residents, order):
    shop = memory_shop(clock=FixedClock(START), contexts=SERVICE_CONTEXTS)
    try:
        await shop.runtime.start()
        bus = shop.runtime.bus
        for user, address in residents:
            await bus.handle(MoveIn(user_id=user, address=address))
        template_id = await bus.handle(CreateTemplate(definition=definition, created_by="ops"))
        await bus.handle(ActivateTemplate(template_id=template_id))
        refused = collections.Counter()
        for index in order:
            user = residents[index % len(residents)][0]
            try:
                await bus.handle(ClaimCoupon(template_id=template_id, user_id=user))
            except DomainError as refusal:
                refused[refusal.code] += 1
        await check_coupon_books(shop)  # shop's own books, with our rule in front of it
        return await coupons_of(shop), refused
    finally:
        await shop.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    definition=template_definitions(START, currency="CNY", claimable=True),
    residents=residents(),
    order=claims,
)
def test_no_household_holds_two_claimed_coupons(definition, residents, order):
    coupons, refused = asyncio.run(claim_in_turn(definition, residents, order))
    event(f"claimed coupons: {min(len(coupons), 2)}{'+' if len(coupons) >= 2 else ''}")
    event(f"refused by the household rule: {refused['household.one_coupon_per_household'] > 0}")
    household = {user: household_of(address) for user, address in residents}
    per_household = collections.Counter(household[c.user_id] for c in coupons)
    assert all(n <= 1 for n in per_household.values()), per_household
