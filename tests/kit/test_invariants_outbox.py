"""``check_outbox`` passes a runtime the unit of work kept, and catches an outbox row deleted,
of an unknown type or version, or with a payload its contract does not decode."""

from __future__ import annotations

import collections
import uuid
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from tests.kit.scenes import CatalogScene, CouponScene, busy_template, small_catalog

from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.messaging_tables import outbox
from shop_app.catalog.integration import SkuAddedV2
from shop_app.coupons.integration import CouponClaimedV1, CouponUsedV1
from shop_testing.harness import MemoryShop
from shop_testing.invariants.base import InvariantBroken, Recorded
from shop_testing.invariants.outbox import OUTBOX_SOURCES, check_outbox

o = outbox.c


@pytest.fixture
async def scene(shop: MemoryShop, shop_clock: FixedClock) -> CouponScene:
    return await busy_template(shop, shop_clock)


@pytest.fixture
async def catalog(shop: MemoryShop) -> CatalogScene:
    return await small_catalog(shop)


async def _write(shop: MemoryShop, statement: Any) -> None:
    """Change rows behind the unit of work's back."""
    async with shop.engine.begin() as connection:
        await connection.execute(statement)


async def _position(shop: MemoryShop, aggregate_id: uuid.UUID, event_type: str) -> int:
    """The position of the first outbox row of this event about this aggregate."""
    async with shop.engine.connect() as connection:
        found = await connection.execute(
            select(o.position)
            .where(o.aggregate_id == str(aggregate_id), o.type == event_type)
            .order_by(o.position)
            .limit(1)
        )
        return int(found.scalar_one())


async def _breaches(shop: MemoryShop, **kwargs: Any) -> tuple[str, ...]:
    with pytest.raises(InvariantBroken) as broken:
        await check_outbox(shop, **kwargs)
    assert broken.value.check == "outbox"
    return broken.value.findings


async def test_a_runtime_the_unit_of_work_kept_passes(
    shop: MemoryShop, scene: CouponScene, catalog: CatalogScene
) -> None:
    await check_outbox(shop)


async def test_the_sources_list_what_the_tables_record(
    shop: MemoryShop, scene: CouponScene, catalog: CatalogScene
) -> None:
    """Each recorded change of the scene, with the event it needs: two uses of one coupon need
    two ``coupon_used`` events."""
    changes = [change for source in OUTBOX_SOURCES for change in await source(shop)]
    kinds = [(change.aggregate_id, change.event_type) for change in changes]
    assert kinds.count((str(scene.used), CouponUsedV1.type)) == 2
    assert kinds.count((str(scene.locked), CouponClaimedV1.type)) == 1
    assert kinds.count((str(catalog.product_id), SkuAddedV2.type)) == 1
    assert collections.Counter(change.event_type for change in changes) == {
        "coupons.template_created": 1,
        "coupons.template_activated": 1,
        "coupons.coupon_claimed": 4,  # two claims of ANN's, BOB's, CAT's public code
        "coupons.coupon_issued": 1,
        "coupons.coupon_locked": 3,  # before each use, and CAT's pending order
        "coupons.coupon_used": 2,
        "coupons.coupon_returned": 1,
        "coupons.coupon_voided": 1,
        "catalog.category_created": 2,
        "catalog.front_category_created": 1,
        "catalog.brand_created": 1,
        "catalog.product_created": 1,
        "catalog.sku_added": 1,
    }


async def test_a_deleted_event_is_caught(shop: MemoryShop, scene: CouponScene) -> None:
    position = await _position(shop, scene.locked, CouponClaimedV1.type)
    await _write(shop, delete(outbox).where(o.position == position))
    found = await _breaches(shop)
    assert len(found) == 1
    assert found[0].startswith(
        f"no coupons.coupon_claimed event in the outbox for coupons.coupon {scene.locked} "
        f"(coupon {scene.locked} code by "
    )


async def test_each_recorded_change_needs_an_event_of_its_own(
    shop: MemoryShop, scene: CouponScene
) -> None:
    """The coupon was used twice: one ``coupon_used`` row left is one too few."""
    position = await _position(shop, scene.used, CouponUsedV1.type)
    await _write(shop, delete(outbox).where(o.position == position))
    found = await _breaches(shop)
    assert len(found) == 1
    assert found[0].startswith(
        f"no coupons.coupon_used event in the outbox for coupons.coupon {scene.used} "
    )


async def test_a_catalog_event_deleted_is_caught(shop: MemoryShop, catalog: CatalogScene) -> None:
    position = await _position(shop, catalog.product_id, SkuAddedV2.type)
    await _write(shop, delete(outbox).where(o.position == position))
    found = await _breaches(shop)
    assert found == (
        f"no catalog.sku_added event in the outbox for catalog.product {catalog.product_id} "
        f"(SKU {_sku_id(found)} of product {catalog.product_id})",
    )


def _sku_id(found: tuple[str, ...]) -> str:
    return found[0].split("(SKU ")[1].split(" ")[0]


async def test_an_event_of_an_unknown_type_is_caught(shop: MemoryShop, scene: CouponScene) -> None:
    position = await _position(shop, scene.voided, "coupons.coupon_voided")
    await _write(
        shop, update(outbox).where(o.position == position).values(type="coupons.teleported")
    )
    found = await _breaches(shop)
    assert (
        f"outbox row {position} (coupons.coupon {scene.voided}) is of an unknown event type "
        "'coupons.teleported' v1"
    ) in found
    assert any(f.startswith("no coupons.coupon_voided event") for f in found)


async def test_an_event_of_an_unknown_version_is_caught(
    shop: MemoryShop, scene: CouponScene
) -> None:
    position = await _position(shop, scene.voided, "coupons.coupon_voided")
    await _write(shop, update(outbox).where(o.position == position).values(version=7))
    found = await _breaches(shop)
    assert found == (
        f"outbox row {position} (coupons.coupon {scene.voided}) is of an unknown event type "
        "'coupons.coupon_voided' v7",
    )


async def test_a_payload_its_contract_does_not_decode_is_caught(
    shop: MemoryShop, scene: CouponScene
) -> None:
    position = await _position(shop, scene.used, CouponUsedV1.type)
    payload = {"coupon_id": str(scene.used), "discount": "a lot"}
    await _write(shop, update(outbox).where(o.position == position).values(payload=payload))
    found = await _breaches(shop)
    assert len(found) == 1
    assert found[0].startswith(
        f"outbox row {position} (coupons.coupon {scene.used}): the payload does not decode: "
        "coupons.coupon_used v1: "
    )


async def test_an_embedders_source_is_checked_alone(shop: MemoryShop, scene: CouponScene) -> None:
    """A source of one's own: a change recorded without its event is caught; ours are not
    consulted when not given."""

    async def loyalty_changes(_shop: MemoryShop) -> list[Recorded]:
        return [Recorded("acme.member", "m-1", "acme.member_joined", "member m-1 joined")]

    position = await _position(shop, scene.locked, CouponClaimedV1.type)
    await _write(shop, delete(outbox).where(o.position == position))
    found = await _breaches(shop, sources=(loyalty_changes,))
    assert found == (
        "no acme.member_joined event in the outbox for acme.member m-1 (member m-1 joined)",
    )
