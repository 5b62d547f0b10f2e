"""Payment gateways behind the ordering context's port (:mod:`shop_app.ordering.gateway`):
:class:`~shop_adapters.payments.fake.FakeGateway` (in-process: the embedded default and the
tests'), :class:`~shop_adapters.payments.sandbox.SandboxGateway` (HTTP to ``shop
sandbox-gateway``), the signature both sides share (:mod:`~shop_adapters.payments.signature`)
and the settings that choose one (:mod:`~shop_adapters.payments.settings`).
docs/payments-gateway.md, ADR 0042."""
