"""How an installation chooses its gateway, and that no secret is ever a default."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from shop_adapters.cli import main
from shop_adapters.payments.fake import FakeGateway
from shop_adapters.payments.sandbox import SandboxGateway
from shop_adapters.payments.settings import PaymentGatewaySettings
from shop_adapters.settings import InvalidSetting, Settings
from shop_app.ordering.gateway import PaymentGateway
from shop_testing.harness import memory_shop

SECRET = "x" * 32


def test_the_default_is_the_fake_gateway_with_a_secret_of_its_own() -> None:
    settings = PaymentGatewaySettings.from_env({})
    assert settings.gateway == "fake"
    assert settings.sandbox_secret is None
    first, second = settings.make_gateway(), settings.make_gateway()
    assert isinstance(first, FakeGateway)
    assert first._secret != second._secret  # type: ignore[attr-defined]


async def test_the_sandbox_is_chosen_by_its_variables() -> None:
    env = {
        "SHOP_PAYMENT_GATEWAY": "sandbox",
        "SHOP_SANDBOX_GATEWAY_URL": "http://127.0.0.1:9999/",
        "SHOP_SANDBOX_GATEWAY_SECRET": SECRET,
        "SHOP_SANDBOX_GATEWAY_MERCHANT": "m1",
        "SHOP_PAYMENT_GATEWAY_TIMEOUT": "2.5",
    }
    settings = Settings.from_env(env).section(PaymentGatewaySettings)
    assert (settings.sandbox_url, settings.merchant_id, settings.timeout) == (
        "http://127.0.0.1:9999/",
        "m1",
        2.5,
    )
    assert SECRET not in repr(settings)
    gateway = settings.make_gateway()
    assert isinstance(gateway, SandboxGateway)
    await gateway.aclose()


async def test_the_runtime_closes_the_sandbox_gateways_client() -> None:
    section = PaymentGatewaySettings(gateway="sandbox", sandbox_secret=SECRET)
    shop = memory_shop(Settings(database_url="memory://", sections=[section]))
    gateway = shop.runtime.get(PaymentGateway)
    assert isinstance(gateway, SandboxGateway)
    assert not gateway._client.is_closed
    await shop.close()
    assert gateway._client.is_closed


@pytest.mark.parametrize(
    "env",
    [
        {"SHOP_PAYMENT_GATEWAY": "sandbox"},
        {"SHOP_PAYMENT_GATEWAY": "sandbox", "SHOP_SANDBOX_GATEWAY_SECRET": "short"},
        {"SHOP_PAYMENT_GATEWAY": "wechat"},
        {"SHOP_PAYMENT_GATEWAY_TIMEOUT": "0"},
        {"SHOP_PAYMENT_GATEWAY_TIMEOUT": "soon"},
    ],
)
def test_what_cannot_work_is_refused_naming_the_variable(env: dict[str, str]) -> None:
    with pytest.raises(InvalidSetting, match="SHOP_"):
        PaymentGatewaySettings.from_env(env)


def test_the_sandbox_command_refuses_to_start_without_a_secret() -> None:
    result = CliRunner(env={"SHOP_SANDBOX_GATEWAY_SECRET": ""}).invoke(main, ["sandbox-gateway"])
    assert result.exit_code == 2
    assert "--secret" in result.output
    result = CliRunner().invoke(main, ["sandbox-gateway", "--secret", "short"])
    assert result.exit_code == 2


def test_the_sandbox_command_refuses_a_bad_retry_schedule() -> None:
    args = ["sandbox-gateway", "--secret", SECRET, "--retry-schedule", "15,soon"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "comma" in result.output
