"""The password-protected workbook of gift-card exports (GC-12): really encrypted, text kept as
text, no plaintext left on disk, memory flat however many rows."""

from __future__ import annotations

import gc
import io
import os
import stat
import sys
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msoffcrypto
import olefile
import openpyxl
import pytest
from openpyxl.utils.exceptions import InvalidFileException

from shop_adapters.files import xlsx as xlsx_module
from shop_adapters.files.xlsx import ProtectedXlsxWriter

pytestmark = pytest.mark.rule("GC-12")

SHEET_XML = "xl/worksheets/sheet1.xml"
PASSWORD = "correct horse battery staple"
HEADER = ["Number", "Secret", "Balance", "Currency"]
ROWS: list[tuple[str | int | float | None, ...]] = [
    ("0012345678901234", "000999", "100.00", "CNY"),
    ("9876543210987654", "=HYPERLINK(1)", "0.50", "CNY"),
    ("0000000000000001", "abc def", None, "EUR"),
]


def decrypt(path: Path, password: str = PASSWORD) -> io.BytesIO:
    with path.open("rb") as file:
        office = msoffcrypto.OfficeFile(file)
        office.load_key(password=password)
        plain = io.BytesIO()
        office.decrypt(plain)
    plain.seek(0)
    return plain


def read_back(path: Path, password: str = PASSWORD) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(decrypt(path, password), read_only=True)
    try:
        return [tuple(row) for row in workbook["Cards"].iter_rows(values_only=True)]
    finally:
        workbook.close()


def leftovers(directory: Path, target: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p != target)


def test_the_file_opens_with_the_password_and_holds_exactly_what_was_written(
    tmp_path: Path,
) -> None:
    target = tmp_path / "cards.xlsx"
    with ProtectedXlsxWriter(target, password=PASSWORD, header=HEADER) as writer:
        assert writer.write_rows(ROWS[:2]) == 2
        assert writer.write_rows(iter(ROWS[2:])) == 3
    assert writer.rows_written == 3

    rows = read_back(target)
    assert rows[0] == tuple(HEADER)
    assert rows[1:] == ROWS
    # card numbers and secrets are text: leading zeros and every digit kept, no formula
    assert all(isinstance(value, str) for row in rows[1:] for value in row[:2])
    assert rows[1][0] == "0012345678901234"
    assert rows[2][1] == "=HYPERLINK(1)"


def test_the_cells_are_typed_the_header_is_bold_and_columns_have_widths(tmp_path: Path) -> None:
    target = tmp_path / "cards.xlsx"
    with ProtectedXlsxWriter(target, password=PASSWORD, header=["A", "B", "C", "D"]) as writer:
        writer.write_rows([("1234567890123456789", 42, 12345678901234567, 2.5)])
    workbook = openpyxl.load_workbook(decrypt(target))
    sheet = workbook["Cards"]
    assert sheet["A1"].font.b
    assert not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"
    assert [cell.data_type for cell in sheet[2]] == ["s", "n", "s", "n"]
    assert sheet["A2"].value == "1234567890123456789"
    assert sheet["B2"].value == 42
    assert sheet["C2"].value == "12345678901234567"  # too many digits for an Excel number
    widths = {key: dim.width for key, dim in sheet.column_dimensions.items()}
    assert widths["A"] > 19
    assert widths["B"] >= 8


def test_a_wrong_password_does_not_decrypt(tmp_path: Path) -> None:
    target = tmp_path / "cards.xlsx"
    with ProtectedXlsxWriter(target, password=PASSWORD, header=HEADER) as writer:
        writer.write_rows(ROWS)
    with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
        decrypt(target, "wrong password")
    with target.open("rb") as file:
        office = msoffcrypto.OfficeFile(file)
        with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
            office.load_key(password="wrong password", verify_password=True)


def test_without_decryption_it_is_no_workbook_but_an_encrypted_compound_file(
    tmp_path: Path,
) -> None:
    target = tmp_path / "cards.xlsx"
    with ProtectedXlsxWriter(target, password=PASSWORD, header=HEADER) as writer:
        writer.write_rows(ROWS)
    assert not zipfile.is_zipfile(target)
    assert olefile.isOleFile(str(target))
    with olefile.OleFileIO(str(target)) as ole:
        assert ole.exists("EncryptionInfo")
        assert ole.exists("EncryptedPackage")
    with pytest.raises((InvalidFileException, zipfile.BadZipFile)):
        openpyxl.load_workbook(target, read_only=True)
    assert b"0012345678901234" not in target.read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_the_plaintext_lives_in_a_private_directory_beside_the_target(tmp_path: Path) -> None:
    target = tmp_path / "cards.xlsx"
    writer = ProtectedXlsxWriter(target, password=PASSWORD, header=HEADER)
    writer.write_rows(ROWS)
    (workdir,) = list(tmp_path.iterdir())
    assert workdir.name.startswith(".cards.xlsx.")
    assert stat.S_IMODE(workdir.stat().st_mode) == 0o700
    files = list(workdir.iterdir())
    assert files
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert not target.exists()
    assert writer.close() == 3
    assert leftovers(tmp_path, target) == []


def test_nothing_is_left_after_close(tmp_path: Path) -> None:
    target = tmp_path / "cards.xlsx"
    writer = ProtectedXlsxWriter(target, password=PASSWORD, header=HEADER)
    writer.write_rows(ROWS)
    assert writer.close() == 3
    assert writer.close() == 3  # closing again only answers the count
    assert [p.name for p in tmp_path.iterdir()] == ["cards.xlsx"]
    with pytest.raises(ValueError, match="closed"):
        writer.write_rows(ROWS)


def test_abort_writes_nothing_and_removes_everything(tmp_path: Path) -> None:
    target = tmp_path / "cards.xlsx"
    writer = ProtectedXlsxWriter(target, password=PASSWORD, header=HEADER)
    writer.write_rows(ROWS)
    writer.abort()
    writer.abort()  # twice is fine
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="aborted"):
        writer.close()


def test_an_exception_inside_the_with_aborts(tmp_path: Path) -> None:
    target = tmp_path / "cards.xlsx"

    def export() -> None:
        with ProtectedXlsxWriter(target, password=PASSWORD, header=HEADER) as writer:
            writer.write_rows(ROWS)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        export()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_encryption_leaves_nothing_and_keeps_an_earlier_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "cards.xlsx"
    target.write_bytes(b"an earlier export")

    class Broken:
        def __init__(self, _file: object) -> None:
            pass

        def encrypt(self, _password: str, outfile: io.BufferedWriter) -> None:
            outfile.write(b"half")
            raise OSError("disk full")

    monkeypatch.setattr(xlsx_module, "OOXMLFile", Broken)
    writer = ProtectedXlsxWriter(target, password=PASSWORD, header=HEADER)
    writer.write_rows(ROWS)
    with pytest.raises(OSError, match="disk full"):
        writer.close()
    assert leftovers(tmp_path, target) == []
    assert target.read_bytes() == b"an earlier export"


def test_bad_input_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "cards.xlsx"
    with pytest.raises(ValueError, match="password"):
        ProtectedXlsxWriter(target, password="", header=HEADER)
    with pytest.raises(ValueError, match="header"):
        ProtectedXlsxWriter(target, password=PASSWORD, header=[])
    assert list(tmp_path.iterdir()) == []
    with ProtectedXlsxWriter(target, password=PASSWORD, header=["A"]) as writer:
        with pytest.raises(ValueError, match="header only 1"):
            writer.write_rows([("a", "b")])
        with pytest.raises(ValueError, match="32767"):
            writer.write_rows([("x" * 32_768,)])
        with pytest.raises(ValueError, match="cannot write"):
            writer.write_rows([(object(),)])  # type: ignore[list-item]
        writer.write_rows([("ok",)])
    assert read_back(target) == [("A",), ("ok",)]


def card_numbers(start: int, stop: int) -> Iterator[tuple[str]]:
    for n in range(start, stop):
        yield (f"{n * 7919:016d}",)


def test_a_large_sheet_streams_in_flat_memory(tmp_path: Path) -> None:
    """200,000 rows: nothing is kept per row (the count of live heap blocks does not grow), and
    the peak traced by ``tracemalloc`` — over the last rows and the encryption of the whole
    file, where the big buffers are — stays small. (``tracemalloc`` slows xlsxwriter down about
    sevenfold, so it does not trace all the rows; one column keeps the test quick.)"""
    total, traced = 200_000, 5_000
    target = tmp_path / "cards.xlsx"
    writer = ProtectedXlsxWriter(target, password=PASSWORD, header=["Number"])
    writer.write_rows(card_numbers(0, 1_000))
    gc.collect()
    blocks = sys.getallocatedblocks()
    writer.write_rows(card_numbers(1_000, total - traced))
    gc.collect()
    assert sys.getallocatedblocks() - blocks < 5_000  # while ~195,000 rows went by

    tracemalloc.start()
    try:
        assert writer.write_rows(card_numbers(total - traced, total)) == total
        assert writer.close() == total
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 30 * 1024 * 1024
    assert leftovers(tmp_path, target) == []
    assert os.path.getsize(target) < 20 * 1024 * 1024

    # read the sheet's XML as a stream (openpyxl takes a dozen seconds over 200,000 rows)
    with zipfile.ZipFile(decrypt(target)) as package, package.open(SHEET_XML) as xml:
        rows, tail = 0, b""
        while chunk := xml.read(1 << 20):
            rows += (tail[-4:] + chunk).count(b"<row ")
            tail = (tail + chunk)[-4096:]
    assert rows == total + 1
    last = f"{(total - 1) * 7919:016d}".encode()
    assert f'<row r="{total + 1}"'.encode() in tail
    assert tail.rstrip().endswith(b"</worksheet>")
    assert last in tail
