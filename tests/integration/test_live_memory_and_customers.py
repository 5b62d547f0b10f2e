"""The live promotions on ``memory://`` (a schema made by ``create_all`` gets the feed's
triggers too), the customer facts on every backend, and the live settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from tests.integration.live_support import INSIDE, build_shop, change, create, item, on_skus

from shop_adapters.plugins.loyalty_members import MemberFacts
from shop_adapters.plugins.pricing_live import LiveSettings
from shop_adapters.settings import InvalidSetting
from shop_adapters.shared.crypto import new_key_spec
from shop_adapters.sql.pricing.customers import SqlCustomerFacts
from shop_app.pricing.customers import CustomerFactsSource, InvalidCustomerFacts
from shop_app.pricing.live import LivePromotions
from shop_domain.pricing.terms import Audience, AudienceKind, Channel, CustomerFacts

NOW = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)


@pytest.mark.rule("PRO-2")
async def test_on_memory_the_index_follows_the_runtimes_own_writes(tmp_path: Path) -> None:
    shop = build_shop("memory://", new_key_spec(), str(tmp_path))
    await shop.runtime.start()
    try:
        live = shop.runtime.get(LivePromotions)
        promotion = await create(shop, on_skus(1), schedule=True)
        assert [p.id for p in await live.candidates([item(1)], INSIDE, Channel.WEB)] == [promotion]
        await change(shop, promotion, "end", INSIDE)
        assert await live.candidates([item(1)], INSIDE, Channel.WEB) == []
        assert live.reloads == 1
    finally:
        await shop.runtime.close()


@pytest.mark.rule("PRO-2")
async def test_customer_facts_are_what_operators_set_and_ordinary_otherwise(
    backend_url: str, tmp_path: Path
) -> None:
    shop = build_shop(backend_url, new_key_spec(), str(tmp_path))
    try:
        source: Any = shop.runtime.get(CustomerFactsSource)
        # with membership plugged in, its level joins the facts operators set (the higher)
        assert isinstance(source, MemberFacts | SqlCustomerFacts)
        assert await source.facts_of(None) == CustomerFacts()
        assert await source.facts_of("u-1") == CustomerFacts()
        vip = CustomerFacts(new_user=True, member_level=3, groups=frozenset({"students", "vip"}))
        await source.put("u-1", vip, NOW)
        assert await source.facts_of("u-1") == vip
        assert Audience(AudienceKind.MEMBER_LEVEL, min_level=3).admits(vip)
        await source.put("u-1", CustomerFacts(member_level=1), NOW)
        assert await source.facts_of("u-1") == CustomerFacts(member_level=1)
        with pytest.raises(InvalidCustomerFacts):
            await source.put("u-1", CustomerFacts(member_level=-1), NOW)
        with pytest.raises(InvalidCustomerFacts):
            await source.put(" ", CustomerFacts(), NOW)
        with pytest.raises(InvalidCustomerFacts):
            await source.put("u-1", CustomerFacts(groups=frozenset({""})), NOW)
        assert await source.facts_of("u-1") == CustomerFacts(member_level=1)  # unchanged
        await source.forget("u-1")
        assert await source.facts_of("u-1") == CustomerFacts()
    finally:
        await shop.runtime.close()


@pytest.mark.parametrize("value", ["-1", "60001", "soon"])
def test_a_bad_max_lag_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(InvalidSetting, match="SHOP_PROMOTIONS_MAX_LAG_MS"):
        LiveSettings.from_env({"SHOP_PROMOTIONS_MAX_LAG_MS": value})


def test_the_max_lag_is_read_in_milliseconds() -> None:
    assert LiveSettings.from_env({}).max_lag_ms == 100
    assert LiveSettings.from_env({"SHOP_PROMOTIONS_MAX_LAG_MS": "0"}).max_lag_ms == 0
