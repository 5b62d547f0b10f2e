"""How an installation chooses its payment gateway: a settings section
(``settings.section(PaymentGatewaySettings)``) and the gateway it makes.

- ``SHOP_PAYMENT_GATEWAY``: ``fake`` (default: the in-process gateway, signing with a random
  secret made for the process) or ``sandbox`` (``shop sandbox-gateway`` over HTTP);
- ``SHOP_SANDBOX_GATEWAY_URL`` (default ``http://127.0.0.1:8700``, where ``shop
  sandbox-gateway`` listens by default), ``SHOP_SANDBOX_GATEWAY_MERCHANT`` (``shop``);
- ``SHOP_SANDBOX_GATEWAY_SECRET``: required with ``sandbox`` (at least 32 characters) — there is
  no default secret: one written in the code would sign for anyone who read it;
- ``SHOP_PAYMENT_GATEWAY_TIMEOUT``: seconds a call to the gateway may take (default 10) before
  its outcome counts as unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import attrs
import httpx

from shop_adapters.payments.fake import FakeGateway
from shop_adapters.payments.sandbox import SandboxGateway
from shop_adapters.payments.signature import MIN_SECRET_LENGTH
from shop_adapters.settings import InvalidSetting, env_seconds
from shop_app.ordering.gateway import PaymentGateway
from shop_app.shared.ports import Clock

DEFAULT_SANDBOX_URL = "http://127.0.0.1:8700"


@attrs.frozen(kw_only=True)
class PaymentGatewaySettings:
    gateway: Literal["fake", "sandbox"] = "fake"
    """``SHOP_PAYMENT_GATEWAY``."""
    sandbox_url: str = DEFAULT_SANDBOX_URL
    """``SHOP_SANDBOX_GATEWAY_URL``."""
    sandbox_secret: str | None = attrs.field(default=None, repr=False)
    """``SHOP_SANDBOX_GATEWAY_SECRET``: shared with the sandbox; required with ``sandbox``."""
    merchant_id: str = "shop"
    """``SHOP_SANDBOX_GATEWAY_MERCHANT``."""
    timeout: float = 10.0
    """``SHOP_PAYMENT_GATEWAY_TIMEOUT``."""

    def __attrs_post_init__(self) -> None:
        if self.gateway == "sandbox" and (
            self.sandbox_secret is None or len(self.sandbox_secret) < MIN_SECRET_LENGTH
        ):
            raise InvalidSetting(
                "SHOP_PAYMENT_GATEWAY=sandbox needs SHOP_SANDBOX_GATEWAY_SECRET, the secret the "
                f"sandbox was started with (at least {MIN_SECRET_LENGTH} characters)"
            )
        if not 0 < self.timeout <= 120:
            raise InvalidSetting("SHOP_PAYMENT_GATEWAY_TIMEOUT is more than 0 and at most 120")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PaymentGatewaySettings:
        default = cls()
        gateway = env.get("SHOP_PAYMENT_GATEWAY") or default.gateway
        if gateway not in ("fake", "sandbox"):
            raise InvalidSetting(
                f"SHOP_PAYMENT_GATEWAY must be 'fake' or 'sandbox', got {gateway!r}"
            )
        return cls(
            gateway=gateway,  # type: ignore[arg-type]
            sandbox_url=env.get("SHOP_SANDBOX_GATEWAY_URL") or default.sandbox_url,
            sandbox_secret=env.get("SHOP_SANDBOX_GATEWAY_SECRET") or None,
            merchant_id=env.get("SHOP_SANDBOX_GATEWAY_MERCHANT") or default.merchant_id,
            timeout=env_seconds(env, "SHOP_PAYMENT_GATEWAY_TIMEOUT", default.timeout),
        )

    def make_gateway(self, clock: Clock | None = None) -> PaymentGateway:
        """The gateway these settings name. A :class:`SandboxGateway` owns its HTTP client:
        ``await gateway.aclose()`` when the runtime closes."""
        if self.gateway == "fake":
            return FakeGateway(clock=clock)
        assert self.sandbox_secret is not None
        client = httpx.AsyncClient(timeout=self.timeout)
        return SandboxGateway(
            self.sandbox_url,
            self.sandbox_secret,
            self.merchant_id,
            client,
            clock=clock,
            owns_client=True,
        )
