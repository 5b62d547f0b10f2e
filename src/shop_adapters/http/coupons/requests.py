"""Request bodies of the coupons API other than the template definition
(:mod:`shop_adapters.http.coupons.definition`): issuing (CPN-3), code batches and codes (CPN-4),
voiding (CPN-5). Each says what the server takes; a body outside it is a 400
``request.invalid`` before any command runs.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Final

import msgspec
from msgspec import Meta

from shop_adapters.http.coupons.definition import MAX_CODE
from shop_adapters.http.schemas import bounded_int, text
from shop_domain.coupons.coupon import VOID_REASON_MAX

MAX_KEY: Final = 100
"""A campaign key (the coupon tables keep 100 characters)."""
MAX_ISSUE_USERS: Final = 10_000
"""Wire bound of one issuing request; the installation's ``max_issue_batch`` (1,000 by default)
may be lower, and a longer list is then a 400 that names it."""
MAX_CODES_PER_REQUEST: Final = 100_000_000
CODE_PATTERN: Final = r"^[ -]*([A-Za-z0-9][ -]*){4,32}$"
"""A shared code (4 to 32) or a one-time code (12): letters and digits; spaces, dashes and case
are ignored."""

CampaignKey = Annotated[
    str,
    text(
        MAX_KEY,
        min_length=1,
        description="Why the coupons are issued; issuing is idempotent per (campaign key, user)",
        examples=["spring-compensation-2026"],
    ),
]


class _In(msgspec.Struct, forbid_unknown_fields=True):
    """Base of request bodies: unknown fields are an error, not silently ignored."""


class IssueIn(_In):
    """CPN-3: give one coupon to each user (at most the installation's ``max_issue_batch``
    users a request; larger lists go through ``issue-segment``)."""

    campaign_key: CampaignKey
    user_ids: Annotated[list[uuid.UUID], Meta(min_length=1, max_length=MAX_ISSUE_USERS)]


class CodeBatchIn(_In):
    """How many unique one-time codes to generate (CPN-4)."""

    count: Annotated[int, bounded_int(1, MAX_CODES_PER_REQUEST)]


class RedeemIn(_In):
    code: Annotated[
        str,
        Meta(
            pattern=CODE_PATTERN,
            max_length=MAX_CODE,
            description="A shared code or a one-time code: letters and digits; case, spaces "
            "and dashes are ignored",
            examples=["ABCD-EFGH-JKMN"],
        ),
    ]


class VoidIn(_In):
    reason: Annotated[str, text(VOID_REASON_MAX, min_length=1)]


__all__ = ["MAX_KEY", "CampaignKey", "CodeBatchIn", "IssueIn", "RedeemIn", "VoidIn"]
