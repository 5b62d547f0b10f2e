"""The SMS port's contract (shop_testing.contracts.notify) over both senders we ship: the list
kept in memory, and the development inbox file."""

from __future__ import annotations

from pathlib import Path

import pytest

from shop_adapters.shared.sms import FileSmsSender, MemorySmsSender
from shop_app.shared.notify import SmsSender
from shop_testing.contracts.notify import SmsSenderContract


class TestMemorySmsSender(SmsSenderContract):
    @pytest.fixture
    def sender(self) -> MemorySmsSender:
        return MemorySmsSender()

    @pytest.fixture
    def refusing(self) -> MemorySmsSender:
        sender = MemorySmsSender()
        sender.failure = ConnectionError("the gateway is down")
        return sender

    async def delivered(self, sender: SmsSender) -> list[tuple[str, str]]:
        assert isinstance(sender, MemorySmsSender)
        return [(sms.phone, sms.text) for sms in sender.sent]


class TestFileSmsSender(SmsSenderContract):
    @pytest.fixture
    def sender(self, tmp_path: Path) -> FileSmsSender:
        return FileSmsSender(tmp_path / "var" / "sms-outbox.log")

    @pytest.fixture
    def refusing(self, tmp_path: Path) -> FileSmsSender:
        """An inbox that cannot be written: its folder is a file."""
        (tmp_path / "not-a-folder").write_text("")
        return FileSmsSender(tmp_path / "not-a-folder" / "sms-outbox.log")

    async def delivered(self, sender: SmsSender) -> list[tuple[str, str]]:
        assert isinstance(sender, FileSmsSender)
        if not sender.path.is_file():
            return []
        lines = sender.path.read_text(encoding="utf-8").splitlines()
        return [(phone, text) for _at, phone, text in (line.split("\t") for line in lines)]
