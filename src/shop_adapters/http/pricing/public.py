"""Prices as shoppers see them (issue 12, item 8): a quote of a cart, and a product page's
promotion tags. Both are public (SEC-1: no token needed; a presented token must be valid).

- ``POST /pricing/quote`` prices a cart — SKUs and quantities, never prices — with the live
  promotions, on the caller's channel, and answers the explained quote (PRO-8). A customer's
  token brings the caller's facts (audiences) and wallet: every coupon with its verdict, the
  recommended set unless the body names the coupons (CPN-6..8). Without one (or with an
  operator's) the cart is priced for a guest, who has no wallet. Nothing is written.
- ``GET /pricing/products/{product_id}/tags`` lists the tags of the promotions active now on the
  product's listed SKUs ("满300减50", "直降 30.00"), from this process's live index.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Final

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from shop_adapters.http.auth import PUBLIC
from shop_adapters.http.coupons.customer import user_id_of
from shop_adapters.http.pricing.definition import PromotionChannel
from shop_adapters.http.pricing.quote_schemas import PromotionTagOut, QuoteIn, QuoteOut
from shop_adapters.http.problems import problem_spec
from shop_adapters.runtime import Runtime
from shop_app.pricing.quoting import QuoteService
from shop_app.shared.auth import Principal
from shop_domain.pricing.terms import Channel

QUOTE_REFUSED: Final = problem_spec(
    "Nothing was priced: a SKU the catalog does not know (`pricing.unknown_sku`) or that cannot "
    "be bought now (`pricing.unlisted_sku`), with `details.sku_ids`; a cart that cannot be "
    "priced (`pricing.invalid_cart`); a pick that does not fit (`pricing.invalid_choice`, "
    "`promotion.invalid_gift_pick`); a coupon not in the caller's wallet or not usable now "
    "(`pricing.coupon_not_usable`, with `details.coupon_id`) or one that does not stack used "
    "with another (`pricing.coupons_not_stackable`); points (`pricing.not_enough_points`)"
)
NOT_A_USER: Final = problem_spec(
    "A customer token whose subject is not a user id (`auth.invalid_subject`)"
)
PRODUCT_NOT_FOUND: Final = problem_spec(
    "No such product on sale (`pricing.unknown_product`): unknown, or not listed now"
)


class PricingPublicController(Controller):
    """Quotes and promotion tags for shoppers."""

    path = "/pricing"
    tags = ["pricing"]
    opt = dict(PUBLIC)

    @post(
        "/quote",
        summary="Price a cart: the best combination of promotions and coupons, explained",
        description="The cart's SKUs are priced at the catalog's prices with the promotions "
        "active now on `channel`; with a customer token, for the caller (audiences) and with "
        "the caller's wallet: `coupons` gives every coupon's verdict, and the recommended set "
        "is used unless `choices.coupons` names the coupons to use (`[]`: none). Lines are "
        "named by `line_id` (`line-<n>` when left out); `choices.promotions` picks a "
        "promotion (or none) for a line at a level where several fit; `choices.points` pays with "
        "the caller's points (PTS-4: at most `max_points`, the programme's share of the "
        "payable). Nothing is written.",
        status_code=200,
        responses={403: NOT_A_USER, 422: QUOTE_REFUSED},
    )
    async def quote(
        self,
        data: JSONBody[QuoteIn],
        runtime: NamedDependency[Runtime],
        maybe_principal: NamedDependency[Principal | None],
    ) -> QuoteOut:
        user_id = None
        if maybe_principal is not None and maybe_principal.kind == "customer":
            user_id = str(user_id_of(maybe_principal))
        request = data.to_request()
        quotes: QuoteService = runtime.get(QuoteService)
        quote = await quotes.quote(request, user_id, data.domain_channel, runtime.clock.now())
        return QuoteOut.of(quote)

    @get(
        "/products/{product_id:uuid}/tags",
        summary="The tags of the promotions active now on a product",
        description="For a product page: each promotion active now on `channel` on one of the "
        "product's listed SKUs, by level then rank — its tag, kind, audience, end and the SKUs "
        "it covers. A member or new-user promotion is listed for everyone; a quote applies it "
        "to the customers it is for.",
        responses={404: PRODUCT_NOT_FOUND},
        cache=False,
    )
    async def promotion_tags(
        self,
        product_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        channel: Annotated[
            PromotionChannel, QueryParameter(description="The channel the page is shown on")
        ],
    ) -> list[PromotionTagOut]:
        quotes: QuoteService = runtime.get(QuoteService)
        found = await quotes.tags(product_id, Channel(channel.value), runtime.clock.now())
        return [PromotionTagOut.of(tag) for tag in found]


__all__ = ["PricingPublicController"]
