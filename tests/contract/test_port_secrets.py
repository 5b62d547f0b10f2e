"""The secret box's contract (shop_testing.contracts.secrets) over AES-256-GCM, alone and as the
runtime's deferred box once its keys are checked."""

from __future__ import annotations

import pytest

from shop_adapters.shared.crypto import AesGcmSecretBox
from shop_adapters.shared.keyring import DeferredSecretBox
from shop_testing.contracts.secrets import SecretBoxContract

K1, K2, STRANGE = bytes(range(32)), bytes(range(100, 132)), bytes(range(200, 232))


class TestAesGcmSecretBox(SecretBoxContract):
    @pytest.fixture
    def box(self) -> AesGcmSecretBox:
        return AesGcmSecretBox({"k1": K1}, "k1")

    @pytest.fixture
    def stranger(self) -> AesGcmSecretBox:
        return AesGcmSecretBox({"k1": STRANGE}, "k1")

    @pytest.fixture
    def rotated(self) -> AesGcmSecretBox:
        return AesGcmSecretBox({"k2": K2, "k1": K1}, "k2")


class TestDeferredSecretBox(SecretBoxContract):
    @pytest.fixture
    def box(self) -> DeferredSecretBox:
        box = DeferredSecretBox()
        box.use(AesGcmSecretBox({"k1": K1}, "k1"))  # what the start step does
        return box

    @pytest.fixture
    def stranger(self) -> DeferredSecretBox:
        return DeferredSecretBox(AesGcmSecretBox({"k1": STRANGE}, "k1"))

    @pytest.fixture
    def rotated(self) -> DeferredSecretBox:
        return DeferredSecretBox(AesGcmSecretBox({"k2": K2, "k1": K1}, "k2"))
