"""The key ring's and the key sources' contracts (shop_testing.contracts.keys) over what we ship:
the AES-GCM ring, keys given in settings, and the key file."""

from __future__ import annotations

from pathlib import Path

import pytest

from shop_adapters.shared.crypto import AesGcmSecretBox, new_key_spec
from shop_adapters.shared.keyring import FileKeySource, SpecKeySource, ring_of
from shop_testing.contracts.keys import KeyRingContract, KeySourceContract, SourceFactory


class TestAesGcmKeyRing(KeyRingContract):
    @pytest.fixture
    def ring(self) -> AesGcmSecretBox:
        return ring_of(f"{new_key_spec('k2')},{new_key_spec('k1')}")

    @pytest.fixture
    def impostor(self) -> AesGcmSecretBox:
        return ring_of(new_key_spec("k2"))


class TestSpecKeySource(KeySourceContract):
    @pytest.fixture
    def sources(self) -> SourceFactory:
        spec = f"{new_key_spec()},{new_key_spec()}"
        return lambda: SpecKeySource(spec, "SHOP_GIFTCARD_KEYS")


class TestFileKeySource(KeySourceContract):
    @pytest.fixture
    def sources(self, tmp_path: Path) -> SourceFactory:
        path = tmp_path / "keys" / "giftcard.keys"
        return lambda: FileKeySource(path)
