"""Ordering as a plug-in: checkout, orders split into children by shop, payments through a
gateway (ORD-*, PAY-*). Its settings: :class:`OrderingSettings` (timeouts, cross-border limit,
risk limits) and :class:`PaymentGatewaySettings` (which gateway: the in-process fake by default,
or ``shop sandbox-gateway``).

A submission holds stock, coupons, points, promotion participation and gift-card amounts in the
other contexts through their commands, run as steps of its own transaction
(``MessageBus.run_within``, decision 0043).
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from shop_adapters.payments.notify_url import NotifySettings
from shop_adapters.payments.settings import PaymentGatewaySettings
from shop_adapters.plugin import ContextPlugin, Wiring
from shop_adapters.plugins.ordering_holds import CommandHolds
from shop_adapters.plugins.ordering_settings import OrderingSettings
from shop_adapters.plugins.ordering_sources import BookedAddresses, FreightFees, QuotedCarts
from shop_adapters.plugins.ordering_statistics import (
    PROJECTION,
    STATISTICS_TABLES,
    wire_statistics,
)
from shop_adapters.plugins.ordering_tender import QueriedGiftCards
from shop_adapters.sql.ordering.queries import SqlOrderQueries
from shop_adapters.sql.ordering.repositories import SqlOrderRepository, SqlPaymentRepository
from shop_adapters.sql.ordering.sources import SqlOrderCatalog, SqlStockSource
from shop_adapters.sql.reads import read_scope
from shop_app.fulfillment.freight import FreightQuotes
from shop_app.giftcards.ports import VerifiedPhones
from shop_app.giftcards.queries import GiftCardQueries
from shop_app.loyalty.queries import MemberReads
from shop_app.ordering.cart_ports import AddressQueries
from shop_app.ordering.carts import RemoveCartLines
from shop_app.ordering.checkout import AddressBook, CheckoutPricer
from shop_app.ordering.gateway import PaymentGateway
from shop_app.ordering.orders import OrderHandlers
from shop_app.ordering.paying import PaymentService
from shop_app.ordering.payments import PaymentHandlers
from shop_app.ordering.ports import GiftCardWallet, OrderCatalog, OrderingPolicy, StockSource
from shop_app.ordering.queries import OrderQueries
from shop_app.ordering.statistics import StatisticsQueries
from shop_app.ordering.submit import PriceFirst, Submission, SubmitOrder
from shop_app.pricing.quoting import QuoteService
from shop_app.shared.messagebus import CommandHandler, MessageBus
from shop_app.shared.middleware import Middleware
from shop_app.shared.ratelimit import AttemptLimiter


class RandomOrderIds:
    def draw(self) -> int:
        return secrets.randbelow(10**10)


def _wire(wiring: Wiring) -> None:
    gateway = wiring.settings.section(PaymentGatewaySettings).make_gateway(wiring.clock)
    policy = wiring.settings.section(OrderingSettings).policy
    wiring.settings.section(NotifySettings)  # a bad SHOP_PAYMENT_NOTIFY_BASE_URL stops the start
    wiring.add(PaymentGateway, gateway)
    closing = getattr(gateway, "aclose", None)  # the sandbox's HTTP client
    if closing is not None:
        wiring.resolve("closers").append(closing)  # closed before the engine (reverse order)
    wiring.add(OrderingPolicy, attrs.evolve(policy, gateway=gateway.name))
    wiring.add(OrderQueries, SqlOrderQueries(wiring.engine))
    wiring.add(OrderCatalog, SqlOrderCatalog(wiring.engine))
    wiring.add(StockSource, SqlStockSource(wiring.engine))
    # the carts plug-in (before this one) keeps the customers' address books
    wiring.add(AddressBook, BookedAddresses(wiring.resolve(AddressQueries)))
    wire_statistics(wiring)

    def pricer() -> CheckoutPricer:
        return CheckoutPricer(
            quotes=QuotedCarts(wiring.resolve(QuoteService)),
            catalog=wiring.resolve(OrderCatalog),
            stock=wiring.resolve(StockSource),
            freight=FreightFees(wiring.resolve(FreightQuotes)),
            addresses=wiring.resolve(AddressBook),
            levels=wiring.resolve(MemberReads),
        )

    wiring.add_lazy(CheckoutPricer, pricer)
    wiring.add_lazy(
        GiftCardWallet,
        lambda: QueriedGiftCards(wiring.resolve(GiftCardQueries), wiring.resolve(VerifiedPhones)),
    )

    def payments() -> PaymentService:
        return PaymentService(
            bus=wiring.resolve(MessageBus),
            gateway=wiring.resolve(PaymentGateway),
            queries=wiring.resolve(OrderQueries),
            policy=wiring.resolve(OrderingPolicy),
            clock=wiring.clock,
            limiter=wiring.resolve(AttemptLimiter),
        )

    wiring.add_lazy(PaymentService, payments)


def _once(wiring: Wiring, key: Any) -> Callable[[], Any]:
    """What the container gives for ``key`` (a singleton), resolved at the first call only:
    a resolve costs more than a step it serves."""
    return functools.cache(lambda: wiring.resolve(key))


def _handlers(wiring: Wiring) -> Mapping[type, CommandHandler]:
    bus_of = _once(wiring, MessageBus)

    async def step(command: object, uow: Any) -> Any:
        bus: MessageBus = bus_of()
        return await bus.run_within(command, uow)

    holds = CommandHolds(
        step, cart=lambda user_id, skus: RemoveCartLines(user_id=user_id, sku_ids=frozenset(skus))
    )

    async def send_refunds(order_id: Any) -> int:
        service: PaymentService = wiring.resolve(PaymentService)
        return await service.send_refunds(order_id)

    def submission() -> Submission:
        return Submission(
            pricer=wiring.resolve(CheckoutPricer),
            holds=holds,
            policy=wiring.resolve(OrderingPolicy),
            numbers=RandomOrderIds(),
        )

    wiring.add_lazy(Submission, submission)
    submission_of = _once(wiring, Submission)

    async def submit(command: SubmitOrder, uow: Any) -> Any:
        made: Submission = submission_of()  # the pricer's sources are wired by now
        return await made.submit(command, uow)

    policy = wiring.resolve(OrderingPolicy)
    return {
        SubmitOrder: submit,
        **OrderHandlers(holds, wiring.resolve(PaymentGateway)).mapping(),
        **PaymentHandlers(holds, policy, send_refunds).mapping(),
    }


def _middlewares(wiring: Wiring) -> Sequence[Middleware]:
    engine, pricer = wiring.engine, _once(wiring, CheckoutPricer)
    if engine.dialect.name != "postgresql":  # SQLite's feed reads on the pool (pricing_live)
        return [PriceFirst(pricer, wiring.clock)]
    # a submission's pricing reads on one pooled connection (decision 0047)
    return [PriceFirst(pricer, wiring.clock, reads=lambda: read_scope(engine))]


def _services() -> Sequence[Any]:
    return (
        OrderQueries,
        CheckoutPricer,
        PaymentService,
        PaymentGateway,
        OrderingPolicy,
        GiftCardWallet,
        StatisticsQueries,
    )


PLUGIN = ContextPlugin(
    name="ordering",
    tables=("shop_adapters.sql.ordering.tables", STATISTICS_TABLES),
    settings=OrderingSettings,
    wire=_wire,
    handlers=_handlers,
    middlewares=_middlewares,
    repositories={"orders": SqlOrderRepository, "payments": SqlPaymentRepository},
    services=_services(),
    projections=(PROJECTION,),
    http="shop_adapters.http.ordering:ORDERING_CONTROLLERS",
    cli="shop_adapters.cli.ordering:ORDERING_COMMANDS",
)
