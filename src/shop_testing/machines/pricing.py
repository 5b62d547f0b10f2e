"""Promotions and their participation log driven through a whole runtime, with the real
commands, against a small model — a base class to subclass with your own rules and commands.

:class:`PromotionMachine` builds a small catalog through the catalog's commands (a category with
two leaves, one SKU of each leaf in each of two shops), then in random order: operators create
promotions (item and threshold kinds drawn with the kit's strategies, on SKUs, a shop, a
category or the platform, with small limits), edit drafts, schedule them — refused with
``promotion.conflict`` where the model's own brute-force comparison finds a clash (PRO-3) —
pause, resume and end them; time moves, past windows' starts and ends; orders of several users
record their participations (PRO-7: refused for a promotion not active, a limit reached, an
order recorded for another user or released) and are cancelled, releasing them. Every answer is
the one the model predicts (:mod:`shop_testing.machines.pricing_model`), and after every step
the stored promotions keep PRO-3
(:func:`~shop_testing.invariants.pricing.check_stored_promotion_conflicts`), the participation
books hold (:func:`~shop_testing.invariants.pricing.check_participation_books`), the outbox has
an event for every recorded change (:func:`~shop_testing.invariants.outbox.check_outbox`), and
the runtime's statuses and counts are the model's.

To put your rules beside ours::

    class MyShopPromotions(PromotionMachine):
        contexts = (MY_POLICY, *CONTEXTS)              # your plug-in: a middleware, handlers…
        extra_refusal_codes = frozenset({NoFlashSalesOnSunday.code})

        def predict(self, command, predicted):         # or say exactly what yours refuses
            ...

    TestMyShopPromotions = MyShopPromotions.TestCase

A refusal whose code is in ``extra_refusal_codes`` is recorded (``self.refused``) and changes
nothing in the model; any other surprise fails the run.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import uuid
from typing import Any, ClassVar

import attrs
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from shop_app.catalog import commands as cat
from shop_app.pricing import commands as c
from shop_app.pricing.participation import RecordParticipation, ReleaseParticipation
from shop_domain.pricing.errors import PromotionConflict
from shop_domain.pricing.promotion import PromotionDefinition, PromotionStatus
from shop_domain.pricing.terms import Issuer, TargetKind, Targets, Window
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money
from shop_testing.invariants.catalog import catalog_changes
from shop_testing.invariants.outbox import Source, check_outbox
from shop_testing.invariants.pricing import (
    check_participation_books,
    check_stored_promotion_conflicts,
    goods_of,
    pricing_changes,
)
from shop_testing.machines.base import ShopMachine
from shop_testing.machines.pricing_draws import machine_definitions
from shop_testing.machines.pricing_model import (
    Answer,
    Predicted,
    PricingModel,
    PromotionModel,
    Refusal,
    check_model,
)
from shop_testing.strategies.pricing_items import item_kinds
from shop_testing.strategies.pricing_thresholds import threshold_kinds


class PromotionMachine(ShopMachine):
    """Promotions and participations through the bus; see the module's documentation."""

    currency: ClassVar[str] = "CNY"
    shops: ClassVar[tuple[uuid.UUID, ...]] = (uuid.UUID(int=0x5A01), uuid.UUID(int=0x5A02))
    users: ClassVar[tuple[uuid.UUID, ...]] = tuple(uuid.UUID(int=0xA000 + n) for n in (1, 2, 3))
    operator: ClassVar[str] = "kit-pricing"
    max_promotions: ClassVar[int] = 8
    """Promotions a run creates at most (the checks read every one after each step)."""
    start_hours: ClassVar[tuple[int, ...]] = (-3, -1, 0, 0, 0, 1, 6, 30)
    """Where a drawn window starts, in hours from now: most have begun or begin soon."""
    extra_refusal_codes: ClassVar[frozenset[str]] = frozenset()
    """Codes any command may be refused with besides the model's (your middlewares' codes). A
    refused command never changes the model."""
    outbox_sources: ClassVar[tuple[Source, ...]] = (catalog_changes, pricing_changes)
    """What the outbox check looks for: the catalog's changes (the set-up) and pricing's; add
    the sources of what your rules change."""
    run_settings: ClassVar[settings] = settings(
        max_examples=10,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    """The settings of ``TestCase``, for this class and each subclass (set yours here)."""

    model: PricingModel

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.TestCase.settings = cls.run_settings

    def __init__(self) -> None:
        super().__init__()
        self.refused: collections.Counter[tuple[str, str]] = collections.Counter()
        """(command, code) of every refusal seen, predicted or extra."""
        self.serial = itertools.count(1)

    @property
    def now(self) -> dt.datetime:
        return self.clock.now()

    # --- hooks: commands, refusals ----------------------------------------------------------------

    def create_command(self, definition: PromotionDefinition) -> object:
        return c.CreatePromotion(definition=definition, created_by=self.operator)

    def record_command(
        self, order: uuid.UUID, user: uuid.UUID, promotions: tuple[uuid.UUID, ...]
    ) -> object:
        return RecordParticipation(order_id=order, user_id=user, promotion_ids=promotions)

    def predict(self, command: object, predicted: frozenset[str]) -> frozenset[str]:
        """The codes ``command`` may be refused with (empty: it must succeed); ``predicted`` is
        what our model says. Override to put your rules first."""
        return predicted

    def send(self, command: object, predicted: Predicted = None) -> Answer:
        """Send ``command`` through the bus; fail unless the outcome is the one the model
        predicts (a code, or a code and the promotion its details name), or a refusal with one
        of ``extra_refusal_codes`` (recorded in ``refused``; the model is left alone)."""
        code, about = (
            (predicted.code, predicted.promotion_id)
            if isinstance(predicted, Refusal)
            else (predicted, None)
        )
        allowed = self.predict(command, frozenset({code} if code else ()))
        name = type(command).__name__
        try:
            result = self.run(self.shop.runtime.bus.handle(command))
        except DomainError as error:
            refused: DomainError | None = error
        else:
            refused = None
        if refused is None:
            assert not allowed, f"{name} succeeded; the model expected {sorted(allowed)}"
            return Answer(result)
        self.refused[(name, refused.code)] += 1
        answer = Answer(refusal=refused.code, details=refused.details)
        if refused.code in self.extra_refusal_codes - allowed:
            return answer
        assert refused.code in allowed, (
            f"{name} was refused with {refused.code} ({refused.message}); the model expected "
            f"{sorted(allowed) or 'a success'}"
        )
        named = (refused.details or {}).get("promotion_id")
        assert about is None or code != refused.code or named == str(about), (
            f"{name} was refused about promotion {named}; the model: {about}"
        )
        return answer

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)

    # --- set-up -----------------------------------------------------------------------------------

    @initialize(data=st.data())
    def build_catalog(self, data: st.DataObject) -> None:
        """A category with two leaves; one SKU of each leaf in each shop; and two promotions
        active from now on for five days (so that orders have something to take from the
        first step): an item price on the first SKU, a threshold on the first shop."""
        bus = self.shop.runtime.bus
        root = self.run(bus.handle(cat.CreateCategory("Goods")))
        self.leaves = [
            self.run(bus.handle(cat.CreateCategory(name, parent_id=root)))
            for name in ("Phones", "Books")
        ]
        self.categories = [root, *self.leaves]
        for n, (shop_id, leaf) in enumerate(itertools.product(self.shops, self.leaves)):
            sku = cat.NewSku(
                code=f"K-{n}", sale_price=self.money(10_000), list_price=self.money(12_000)
            )
            self.run(
                bus.handle(
                    cat.CreateProduct(
                        shop_id=shop_id,
                        name=f"Kit product {n}",
                        category_id=leaf,
                        currency=self.currency,
                        skus=(sku,),
                    )
                )
            )
        self.model = PricingModel(goods=self.run(goods_of(self.shop)))
        assert len(self.model.goods) == len(self.shops) * len(self.leaves)
        window = Window(self.now - dt.timedelta(hours=1), self.now + dt.timedelta(days=5))
        first_sku = Targets(TargetKind.SKU, frozenset({self.model.goods[0].sku_id}))
        first_shop = Targets(TargetKind.SHOP, frozenset({self.shops[0]}))
        for kinds, targets in (
            (item_kinds(self.currency, max_minor=10_000), first_sku),
            (threshold_kinds(self.currency, max_minor=50_000), first_shop),
        ):
            definition = attrs.evolve(
                self.draw_definition(data),
                kind=data.draw(kinds, "kind"),
                window=window,
                targets=targets,
                issuer=Issuer(),
            )
            promotion_id = self.send(self.create_command(definition)).result
            self.model.promotions[promotion_id] = PromotionModel(promotion_id, definition)
            assert self.schedule_promotion(self.model.promotions[promotion_id]).ok

    # --- drawing ----------------------------------------------------------------------------------

    def draw_definition(self, data: st.DataObject) -> PromotionDefinition:
        """A definition over the machine's goods
        (:func:`~shop_testing.machines.pricing_draws.machine_definitions`); override to draw
        your own kinds."""
        return data.draw(
            machine_definitions(
                name=f"Kit promotion {next(self.serial)}",
                now=self.now,
                goods=self.model.goods,
                categories=self.categories,
                shops=self.shops,
                start_hours=self.start_hours,
                currency=self.currency,
            ),
            "definition",
        )

    def pool(self, data: st.DataObject, status: PromotionStatus) -> list[uuid.UUID]:
        """The promotions whose status now is ``status`` most often (when there are any), else
        every promotion: so that moves meet promotions they may succeed on, and refusals still
        come."""
        now = self.now
        fitting = [p.id for p in self.model.promotions.values() if p.status_at(now) is status]
        prefer: int = data.draw(st.integers(0, 3), f"prefer {status.value}")
        if fitting and prefer:
            return sorted(fitting)
        return sorted(self.model.promotions)

    def draw_promotion(self, data: st.DataObject, status: PromotionStatus) -> PromotionModel:
        """A promotion, most often one whose status now is ``status``."""
        chosen = data.draw(st.sampled_from(self.pool(data, status)), "promotion")
        return self.model.promotions[chosen]

    # --- promotions (PRO-2, PRO-3) ----------------------------------------------------------------

    @precondition(lambda self: len(self.model.promotions) < self.max_promotions)
    @rule(data=st.data(), schedule=st.booleans())
    def create(self, data: st.DataObject, schedule: bool) -> None:
        """A draft; scheduled at once, now and then."""
        definition = self.draw_definition(data)
        answer = self.send(self.create_command(definition))
        if not answer.ok:
            return
        promotion_id = answer.result
        assert promotion_id not in self.model.promotions
        self.model.promotions[promotion_id] = PromotionModel(promotion_id, definition)
        if schedule:
            self.schedule_promotion(self.model.promotions[promotion_id])

    @precondition(lambda self: bool(self.model.promotions))
    @rule(data=st.data())
    def edit(self, data: st.DataObject) -> None:
        """A new definition for a draft (refused once it left its draft)."""
        promotion = self.draw_promotion(data, PromotionStatus.DRAFT)
        definition = self.draw_definition(data)
        command = c.EditPromotion(promotion_id=promotion.id, definition=definition)
        if self.send(command, self.model.edit_refusal(promotion.id, self.now)).ok:
            promotion.definition = definition

    @precondition(lambda self: bool(self.model.promotions))
    @rule(data=st.data())
    def schedule(self, data: st.DataObject) -> None:
        self.schedule_promotion(self.draw_promotion(data, PromotionStatus.DRAFT))

    def schedule_promotion(self, promotion: PromotionModel) -> Answer:
        """PRO-3: refused, naming every clashing promotion and SKU, where the model finds a
        clash."""
        expected = self.model.schedule_refusal(promotion.id, self.now)
        answer = self.send(c.SchedulePromotion(promotion_id=promotion.id), expected)
        if answer.refusal == PromotionConflict.code:
            named = {
                uuid.UUID(clash["promotion_id"]): frozenset(map(uuid.UUID, clash["sku_ids"]))
                for clash in answer.details["clashes"]
            }
            clashes = self.model.clashes(promotion.id)
            assert named == clashes, f"the refusal names {named}; the model finds {clashes}"
        if answer.ok:
            promotion.status = PromotionStatus.SCHEDULED
        return answer

    @precondition(lambda self: bool(self.model.promotions))
    @rule(data=st.data())
    def pause(self, data: st.DataObject) -> None:
        promotion = self.draw_promotion(data, PromotionStatus.ACTIVE)
        command = c.PausePromotion(promotion_id=promotion.id)
        if self.send(command, self.model.pause_refusal(promotion.id, self.now)).ok:
            promotion.status = PromotionStatus.PAUSED

    @precondition(lambda self: bool(self.model.promotions))
    @rule(data=st.data())
    def resume(self, data: st.DataObject) -> None:
        promotion = self.draw_promotion(data, PromotionStatus.PAUSED)
        command = c.ResumePromotion(promotion_id=promotion.id)
        if self.send(command, self.model.resume_refusal(promotion.id, self.now)).ok:
            promotion.status = PromotionStatus.SCHEDULED

    @precondition(lambda self: bool(self.model.promotions))
    @rule(data=st.data())
    def end(self, data: st.DataObject) -> None:
        promotion = self.draw_promotion(data, PromotionStatus.ACTIVE)
        command = c.EndPromotion(promotion_id=promotion.id, ended_by=self.operator)
        if self.send(command, self.model.end_refusal(promotion.id, self.now)).ok:
            promotion.status = PromotionStatus.ENDED

    # --- time -------------------------------------------------------------------------------------

    @rule(minutes=st.sampled_from([30, 2 * 60, 6 * 60, 24 * 60, 3 * 24 * 60]))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    # --- participation (PRO-7) --------------------------------------------------------------------

    @precondition(lambda self: bool(self.model.promotions))
    @rule(data=st.data(), orders=st.integers(1, 3))
    def record(self, data: st.DataObject, orders: int) -> None:
        """1..3 orders, each of a user, take 1..3 promotions each (most often active ones); now
        and then an order recorded before comes again, of its user or another."""
        for _ in range(orders):
            self.record_order(data)

    def record_order(self, data: st.DataObject) -> None:
        user = data.draw(st.sampled_from(self.users), "user")
        if data.draw(st.integers(0, 3), "again") == 0 and self.model.orders:
            order = data.draw(st.sampled_from(self.model.orders), "order")
        else:
            order = uuid.UUID(int=0xD000 + len(self.model.orders))
            self.model.orders.append(order)
        pool = self.pool(data, PromotionStatus.ACTIVE)
        picked = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3), "promotions")
        wanted = tuple(sorted(set(picked)))
        expected = self.model.record_outcome(order, user, wanted, self.now)
        refusal = expected if isinstance(expected, Refusal) else None
        answer = self.send(self.record_command(order, user, wanted), refusal)
        if not answer.ok:
            return
        assert not isinstance(expected, Refusal)
        assert (answer.result.recorded, answer.result.already) == expected.pair, (
            f"recorded, already: {answer.result.recorded}, {answer.result.already}; the model "
            f"{expected}"
        )
        self.model.record(order, user, answer.result.recorded)

    @precondition(lambda self: bool(self.model.orders))
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        """The order is cancelled: its participations count no more (again: nothing)."""
        order = data.draw(st.sampled_from(self.model.orders), "order")
        answer = self.send(ReleaseParticipation(order_id=order))
        if answer.ok:
            released = self.model.release(order)
            assert answer.result.released == released, (answer.result.released, released)

    # --- invariants -------------------------------------------------------------------------------

    @invariant()
    def promotions_keep_pro_3(self) -> None:
        self.run(check_stored_promotion_conflicts(self.shop))

    @invariant()
    def participation_books(self) -> None:
        self.run(check_participation_books(self.shop))

    @invariant()
    def outbox(self) -> None:
        self.run(check_outbox(self.shop, self.outbox_sources))

    @invariant()
    def model_agrees(self) -> None:
        """Every promotion's status now and its counts are the model's."""
        self.run(check_model(self.shop, self.model))


PromotionMachine.TestCase.settings = PromotionMachine.run_settings

__all__ = ["PromotionMachine"]
