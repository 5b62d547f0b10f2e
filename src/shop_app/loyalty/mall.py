"""Handlers of the points mall (PTS-9). They do not commit: the bus does.

A redemption is all or nothing in one transaction: the item is locked and its stock taken, the
customer's points spent (the redemption is the order they are spent for), the redemption
placed. Cancelling it gives both back — the points to their original lots (those expired
meanwhile forfeited, PTS-6). Locks are taken item first, then account, in every flow.
"""

from __future__ import annotations

import uuid

import attrs

from shop_app.loyalty.ports import CouponExchange, LoyaltyUnitOfWork
from shop_app.shared import codec
from shop_app.shared.messagebus import CommandHandler
from shop_domain.loyalty.account import PointsAccount
from shop_domain.loyalty.errors import InsufficientPoints, RedemptionNotFound
from shop_domain.loyalty.mall import MallItem, Redemption, RedemptionState, quantity_of
from shop_domain.shared.money import Money

REDEEM_KEY = "redeem"
CANCEL_KEY = "cancel"
EXCHANGE_KEY = "exchange"


@attrs.frozen(kw_only=True)
class AddMallItem:
    name: str
    points: int
    stock: int
    low_stock: int = 0
    cash: Money | None = None


@attrs.frozen(kw_only=True)
class RestockMallItem:
    item_id: uuid.UUID
    quantity: int


@attrs.frozen(kw_only=True)
class OfferMallItem:
    """Put an item in the mall (``offered``) or withdraw it; answers whether it is offered."""

    item_id: uuid.UUID
    offered: bool


@attrs.frozen(kw_only=True)
class Redeem:
    """Redeem ``quantity`` of an item for the user's points (and its cash part, paid later)."""

    user_id: uuid.UUID
    item_id: uuid.UUID
    quantity: int = 1


@attrs.frozen(kw_only=True)
class PayRedemption:
    redemption_id: uuid.UUID


@attrs.frozen(kw_only=True)
class ShipRedemption:
    redemption_id: uuid.UUID


@attrs.frozen(kw_only=True)
class CompleteRedemption:
    redemption_id: uuid.UUID


@attrs.frozen(kw_only=True)
class CancelRedemption:
    """Cancel before shipping; ``user_id``: the customer's own only (None: an operator)."""

    redemption_id: uuid.UUID
    user_id: uuid.UUID | None = None


@attrs.frozen(kw_only=True)
class ExchangeCoupon:
    """CPN-1, PTS-9: a coupon of a points-priced template for the user's points — the coupon is
    issued if and only if the points are taken. ``key``: a retry answers the first coupon."""

    user_id: uuid.UUID
    template_id: uuid.UUID
    key: str


@attrs.frozen(kw_only=True)
class CouponExchanged:
    coupon_id: uuid.UUID
    points: int
    balance: int


@attrs.frozen(kw_only=True)
class Redeemed:
    redemption_id: uuid.UUID
    state: RedemptionState
    points: int
    balance: int


codec.register(Redeemed, RedemptionState, CouponExchanged)


class MallHandlers:
    def __init__(self, coupons: CouponExchange | None = None) -> None:
        self.coupons = coupons

    def mapping(self) -> dict[type, CommandHandler]:
        exchange: dict[type, CommandHandler] = (
            {ExchangeCoupon: self.exchange} if self.coupons is not None else {}
        )
        return {
            **exchange,
            AddMallItem: self.add_item,
            RestockMallItem: self.restock,
            OfferMallItem: self.offer,
            Redeem: self.redeem,
            PayRedemption: self.pay,
            ShipRedemption: self.ship,
            CompleteRedemption: self.complete,
            CancelRedemption: self.cancel,
        }

    async def add_item(self, command: AddMallItem, uow: LoyaltyUnitOfWork) -> uuid.UUID:
        item = MallItem.new(
            id=uow.ids.new_id(),
            name=command.name,
            points=command.points,
            cash=command.cash,
            stock=command.stock,
            low_stock=command.low_stock,
        )
        uow.mall_items.add(item)
        return item.id

    async def restock(self, command: RestockMallItem, uow: LoyaltyUnitOfWork) -> int:
        item = await uow.mall_items.get_for_update(command.item_id)
        item.restock(command.quantity)
        return item.stock

    async def offer(self, command: OfferMallItem, uow: LoyaltyUnitOfWork) -> bool:
        item = await uow.mall_items.get_for_update(command.item_id)
        item.offer(command.offered)
        return item.active

    async def redeem(self, command: Redeem, uow: LoyaltyUnitOfWork) -> Redeemed:
        quantity = quantity_of(command.quantity)
        now = uow.clock.now()
        item = await uow.mall_items.get_for_update(command.item_id)
        item.redeem(quantity, now)
        redemption = Redemption.place(
            id=uow.ids.new_id(), user_id=command.user_id, item=item, quantity=quantity, now=now
        )
        account = await self._account(uow, command.user_id, redemption.points)
        await uow.points_accounts.load_for(
            account, now, points=redemption.points, orders=(redemption.id,)
        )
        account.spend(redemption.id, REDEEM_KEY, redemption.points, now)
        uow.mall_redemptions.add(redemption)
        return Redeemed(
            redemption_id=redemption.id,
            state=redemption.state,
            points=redemption.points,
            balance=account.balance,
        )

    async def pay(self, command: PayRedemption, uow: LoyaltyUnitOfWork) -> RedemptionState:
        redemption = await uow.mall_redemptions.get_for_update(command.redemption_id)
        redemption.pay(uow.clock.now())
        return redemption.state

    async def ship(self, command: ShipRedemption, uow: LoyaltyUnitOfWork) -> RedemptionState:
        redemption = await uow.mall_redemptions.get_for_update(command.redemption_id)
        redemption.ship(uow.clock.now())
        return redemption.state

    async def complete(
        self, command: CompleteRedemption, uow: LoyaltyUnitOfWork
    ) -> RedemptionState:
        redemption = await uow.mall_redemptions.get_for_update(command.redemption_id)
        redemption.complete(uow.clock.now())
        return redemption.state

    async def cancel(self, command: CancelRedemption, uow: LoyaltyUnitOfWork) -> Redeemed:
        now = uow.clock.now()
        redemption = await uow.mall_redemptions.get_for_update(command.redemption_id)
        if command.user_id is not None and redemption.user_id != command.user_id:
            raise RedemptionNotFound(redemption.id)  # another customer's is as unknown
        item = await uow.mall_items.get_for_update(redemption.item_id)  # item first, always
        redemption.cancel(now)
        item.give_back(redemption.quantity)
        account = await self._account(uow, redemption.user_id, 0)
        await uow.points_accounts.load_for(account, now, orders=(redemption.id,))
        account.restore(redemption.id, CANCEL_KEY, redemption.points, now)
        return Redeemed(
            redemption_id=redemption.id,
            state=redemption.state,
            points=redemption.points,
            balance=account.balance,
        )

    async def exchange(self, command: ExchangeCoupon, uow: LoyaltyUnitOfWork) -> CouponExchanged:
        """The template first (locked by the coupons' share), then the account: the points
        are spent for the coupon (its id is the order, so a retry spends nothing again)."""
        assert self.coupons is not None
        got = await self.coupons.acquire(uow, command.template_id, command.user_id, command.key)
        now = uow.clock.now()
        account = await self._account(uow, command.user_id, got.points)
        await uow.points_accounts.load_for(account, now, points=got.points, orders=(got.coupon_id,))
        account.spend(got.coupon_id, EXCHANGE_KEY, got.points, now)
        return CouponExchanged(coupon_id=got.coupon_id, points=got.points, balance=account.balance)

    @staticmethod
    async def _account(uow: LoyaltyUnitOfWork, user_id: uuid.UUID, points: int) -> PointsAccount:
        account = await uow.points_accounts.for_user(user_id)
        if account is None:
            raise InsufficientPoints(points, 0)
        return account


def mall_command_handlers(coupons: CouponExchange | None = None) -> dict[type, CommandHandler]:
    return MallHandlers(coupons).mapping()


__all__ = [
    "AddMallItem",
    "CancelRedemption",
    "CompleteRedemption",
    "CouponExchanged",
    "ExchangeCoupon",
    "MallHandlers",
    "PayRedemption",
    "Redeem",
    "Redeemed",
    "OfferMallItem",
    "RestockMallItem",
    "ShipRedemption",
    "mall_command_handlers",
]
