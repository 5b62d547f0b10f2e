"""Each context's settings are a section of its own plug-in (ADR 0030), read from the same
``SHOP_*`` variables, with the same defaults and the same refusals as when they were fields of
the kernel's ``Settings``; the coupons' segments keep their retention variable."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from shop_adapters.bootstrap import bootstrap, build_container, runtime_of
from shop_adapters.cli import main
from shop_adapters.plugins.catalog import CatalogSettings
from shop_adapters.plugins.coupons import CouponSettings
from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.settings import InvalidSetting, Settings
from shop_adapters.sql.coupons.retention import SEGMENTS
from shop_app.coupons.policy import CouponPolicy
from shop_app.giftcards.policy import GiftCardPolicy
from shop_domain.catalog.model import CatalogPolicy


def test_the_defaults_with_nothing_set() -> None:
    assert CatalogSettings.from_env({}) == CatalogSettings(max_category_depth=3)
    assert CouponSettings.from_env({}) == CouponSettings(
        timezone="UTC", claim_batch=200, code_attempts=10
    )
    assert GiftCardSettings.from_env({}) == GiftCardSettings(
        keys=None,
        key_file="./var/giftcard.keys",
        chunk=10_000,
        activation_attempts=5,
        export_dir="./var/exports",
        admin_phone=None,
    )


def test_each_section_reads_its_variables() -> None:
    env = {
        "SHOP_MAX_CATEGORY_DEPTH": "4",
        "SHOP_COUPON_TIMEZONE": "Asia/Shanghai",
        "SHOP_COUPON_CLAIM_BATCH": "50",
        "SHOP_COUPON_CODE_ATTEMPTS": "3",
        "SHOP_GIFTCARD_KEYS": "k1:AAAA",
        "SHOP_GIFTCARD_KEY_FILE": "/keys/gc.keys",
        "SHOP_GIFTCARD_CHUNK": "1000",
        "SHOP_GIFTCARD_ACTIVATION_ATTEMPTS": "2",
        "SHOP_EXPORT_DIR": "/exports",
        "SHOP_ADMIN_PHONE": "13800000000",
    }
    settings = Settings.from_env(env)  # the sections come from the variables it was given
    assert settings.section(CatalogSettings).max_category_depth == 4
    assert settings.section(CouponSettings) == CouponSettings(
        timezone="Asia/Shanghai", claim_batch=50, code_attempts=3
    )
    assert settings.section(GiftCardSettings) == GiftCardSettings(
        keys="k1:AAAA",
        key_file="/keys/gc.keys",
        chunk=1000,
        activation_attempts=2,
        export_dir="/exports",
        admin_phone="13800000000",
    )
    assert "AAAA" not in repr(settings.section(GiftCardSettings))


@pytest.mark.parametrize(
    ("section", "env", "named"),
    [
        (CatalogSettings, {"SHOP_MAX_CATEGORY_DEPTH": "5"}, "SHOP_MAX_CATEGORY_DEPTH must be 1"),
        (CatalogSettings, {"SHOP_MAX_CATEGORY_DEPTH": "x"}, "must be an integer"),
        (CouponSettings, {"SHOP_COUPON_TIMEZONE": "Mars/Olympus"}, "not a known time zone"),
        (CouponSettings, {"SHOP_COUPON_CLAIM_BATCH": "0"}, "SHOP_COUPON_CLAIM_BATCH"),
        (CouponSettings, {"SHOP_COUPON_CODE_ATTEMPTS": "0"}, "SHOP_COUPON_CODE_ATTEMPTS"),
        (GiftCardSettings, {"SHOP_GIFTCARD_CHUNK": "99"}, "SHOP_GIFTCARD_CHUNK is 100..200000"),
        (GiftCardSettings, {"SHOP_GIFTCARD_ACTIVATION_ATTEMPTS": "0"}, "at least 1"),
    ],
)
def test_bad_values_are_refused_naming_the_variable(
    section: type, env: dict[str, str], named: str
) -> None:
    with pytest.raises(InvalidSetting, match=named) as err:
        Settings.from_env(env).section(section)
    assert err.value.code == "settings.invalid"


def test_a_bad_section_stops_every_command_and_the_bootstrap() -> None:
    result = CliRunner().invoke(main, ["db", "upgrade"], env={"SHOP_GIFTCARD_CHUNK": "5"})
    assert result.exit_code != 0
    assert "SHOP_GIFTCARD_CHUNK" in result.output
    with pytest.raises(InvalidSetting, match="SHOP_COUPON_TIMEZONE"):
        bootstrap(
            Settings.from_env({"SHOP_DATABASE_URL": "memory://", "SHOP_COUPON_TIMEZONE": "?"})
        )


async def test_sections_given_in_code_are_used_whole() -> None:
    settings = Settings(
        database_url="memory://",
        sms="memory",
        sections=[
            CatalogSettings(max_category_depth=2),
            CouponSettings(timezone="Europe/Paris", code_attempts=4),
            GiftCardSettings(chunk=500, activation_attempts=7, admin_phone="13900000000"),
        ],
    )
    assert settings.sections[CouponSettings].claim_batch == 200  # the section's own default
    container = build_container(settings)
    shop = runtime_of(container)
    try:
        assert container.resolve(CatalogPolicy).max_category_depth == 2
        coupons: CouponPolicy = container.resolve(CouponPolicy)
        assert (coupons.timezone, coupons.code_attempts) == (ZoneInfo("Europe/Paris"), 4)
        cards: GiftCardPolicy = container.resolve(GiftCardPolicy)
        assert (cards.card_chunk, cards.activation_attempts, cards.admin_phone) == (
            500,
            7,
            "13900000000",
        )
    finally:
        await shop.close()


def test_the_segments_keep_their_retention_variable() -> None:
    settings = Settings.from_env({"SHOP_DATABASE_URL": "memory://"})
    assert settings.retention_of(SEGMENTS) == dt.timedelta(days=7)
    settings = Settings.from_env({"SHOP_RETENTION_SEGMENTS_DAYS": "3"})
    assert settings.retention_of(SEGMENTS) == dt.timedelta(days=3)
    with pytest.raises(InvalidSetting, match="SHOP_RETENTION_SEGMENTS_DAYS"):
        Settings.from_env({"SHOP_RETENTION_SEGMENTS_DAYS": "0"}).retention_of(SEGMENTS)
    result = CliRunner().invoke(main, ["sweep"], env={"SHOP_RETENTION_SEGMENTS_DAYS": "0"})
    assert result.exit_code != 0
    assert "SHOP_RETENTION_SEGMENTS_DAYS" in result.output
