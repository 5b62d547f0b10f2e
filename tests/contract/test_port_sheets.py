"""The protected sheet's contract (shop_testing.contracts.sheets) over the encrypted Excel
workbook the exports write; the printer's side is msoffcrypto and openpyxl."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import msoffcrypto
import openpyxl
import pytest

from shop_adapters.files.xlsx import ProtectedXlsxWriter
from shop_app.giftcards.exports import SheetFactory
from shop_testing.contracts.sheets import Cell, SheetFactoryContract


class TestProtectedXlsxWriter(SheetFactoryContract):
    @pytest.fixture
    def sheets(self) -> SheetFactory:
        return ProtectedXlsxWriter

    def read_back(self, target: Path, password: str, sheet: str) -> Sequence[Sequence[Cell]]:
        plain = io.BytesIO()
        with target.open("rb") as file:
            office = msoffcrypto.OfficeFile(file)
            office.load_key(password=password, verify_password=True)
            office.decrypt(plain)
        workbook = openpyxl.load_workbook(plain, read_only=True)
        try:
            return [tuple(row) for row in workbook[sheet].iter_rows(values_only=True)]
        finally:
            workbook.close()
