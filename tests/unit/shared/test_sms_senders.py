"""The SMS port's stand-ins: a list for tests, a 0600 inbox file for development; the log
names a masked number only, never a message (SEC-3)."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from shop_adapters.shared.sms import FileSmsSender, MemorySmsSender, SentSms
from shop_app.shared.notify import SmsSender, mask_phone

PHONE = "+86 138 0013 1234"
TEXT = "Your shop verification code is 482913. It expires in 5 minutes."


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+86 138 0013 1234", "*********1234"),
        ("13800131234", "*******1234"),
        ("+1 (555) 010-9876", "*******9876"),
        ("12345", "*2345"),
        ("1234", "****"),
        ("", "****"),
    ],
)
def test_mask_phone_keeps_the_last_four_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


async def test_the_memory_sender_keeps_what_it_sent() -> None:
    sender: SmsSender = MemorySmsSender()
    assert isinstance(sender, MemorySmsSender)
    assert sender.last_to(PHONE) is None
    await sender.send(PHONE, "first")
    await sender.send("+1 555 0100", "other")
    await sender.send(PHONE, "second")
    assert sender.sent == [
        SentSms(PHONE, "first"),
        SentSms("+1 555 0100", "other"),
        SentSms(PHONE, "second"),
    ]
    assert sender.last_to(PHONE) == "second"
    assert "second" not in repr(sender.sent[-1])


async def test_the_memory_sender_can_play_a_refusing_gateway() -> None:
    sender = MemorySmsSender()
    sender.failure = ConnectionError("gateway down")
    with pytest.raises(ConnectionError):
        await sender.send(PHONE, TEXT)
    assert sender.sent == []


@pytest.mark.rule("SEC-3")
async def test_the_file_sender_appends_lines_to_a_private_inbox_and_logs_no_code(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = tmp_path / "var" / "dev-sms.txt"
    sender = FileSmsSender(inbox)
    with caplog.at_level(logging.DEBUG):
        await sender.send(PHONE, TEXT)
        await sender.send("+1 555 0100", "two\nlines\twith tabs")

    assert stat.S_IMODE(inbox.stat().st_mode) == 0o600
    lines = inbox.read_text().splitlines()
    assert len(lines) == 2
    at, phone, text = lines[0].split("\t")
    assert at.endswith("+00:00")
    assert phone == PHONE
    assert text == TEXT
    assert lines[1].split("\t")[1:] == ["+1 555 0100", "two lines with tabs"]

    logged = "\n".join(
        [r.getMessage() for r in caplog.records] + [repr(r.args) for r in caplog.records]
    )
    assert "*********1234" in logged
    assert "482913" not in logged
    assert TEXT not in logged
    assert PHONE not in logged


async def test_the_file_sender_tightens_an_older_inbox(tmp_path: Path) -> None:
    inbox = tmp_path / "dev-sms.txt"
    inbox.write_text("old\n")
    inbox.chmod(0o644)
    await FileSmsSender(inbox).send(PHONE, TEXT)
    assert stat.S_IMODE(inbox.stat().st_mode) == 0o600
    assert inbox.read_text().startswith("old\n")
    assert FileSmsSender(inbox).path == inbox
