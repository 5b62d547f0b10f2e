"""The sandbox gateway: a stand-in for WeChat Pay and Alipay that runs beside the shop
(``shop sandbox-gateway``), keeping its books in memory — a merchant API with signed requests,
a page to pay, signed notifications retried until acknowledged (docs/payments-gateway.md)."""

from shop_adapters.sandbox_gateway.app import Sandbox, SandboxConfig, create_sandbox_app
from shop_adapters.sandbox_gateway.notifier import WECHAT_SCHEDULE, Awkwardness

__all__ = ["WECHAT_SCHEDULE", "Awkwardness", "Sandbox", "SandboxConfig", "create_sandbox_app"]
