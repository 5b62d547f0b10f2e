"""The contract of :class:`~shop_app.giftcards.exports.SheetFactory` and the
:class:`~shop_app.giftcards.exports.ProtectedSheet` it opens: the password-protected file that
gift-card exports stream card numbers and secrets into (GC-12).

Subclass :class:`SheetFactoryContract` with the ``sheets`` fixture (the factory under test) and
the :meth:`~SheetFactoryContract.read_back` hook: how the printer opens the file. It must fail
on a file that the password given does not open — a file not protected at all included::

    class TestMySheets(SheetFactoryContract):
        @pytest.fixture
        def sheets(self) -> SheetFactory:
            return MySheetWriter

        def read_back(self, target: Path, password: str, sheet: str) -> list[tuple[Cell, ...]]:
            ...  # decrypt with ``password`` and read the rows of the sheet named ``sheet``

Files go to the ``directory`` fixture: a private, empty folder (``tmp_path`` unless overridden).

The promises: the file opens with its password and holds the header and the rows exactly as
written — text stays text (leading zeros, a leading ``=``), empty cells stay empty —, whatever
pages they came in; ``write_rows`` answers the rows written so far and ``close`` all of them; it
does not open with another password and shows no cell in its bytes; it appears only when closed,
private to its owner (it holds card secrets), with nothing else left beside it; ``abort`` leaves
nothing at all; an empty password is refused before anything is written.
"""

from __future__ import annotations

import abc
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from shop_app.giftcards.exports import SheetFactory

Cell = str | int | float | None

PASSWORD = "correct horse battery staple"
SHEET = "Cards"
HEADER = ("Card number", "Secret", "Face value", "Currency", "Batch", "Valid until")
ROWS: tuple[tuple[Cell, ...], ...] = (
    ("0012345678901234", "QWERTYUPASDFGHJK", "100.00", "CNY", "Spring 2026", "365 days"),
    ("9876543210987654", "=HYPERLINK(1)", "0.50", "CNY", "Frühling — 春季", None),
    ("0000000000000001", "000999000999", "25", "EUR", None, "2027-01-01T00:00:00+00:00"),
)


def pages() -> Iterator[Iterator[tuple[Cell, ...]]]:
    """The rows in pages of one generator each, as the export job streams them."""
    yield (row for row in ROWS[:2])
    yield (row for row in ROWS[2:])


@pytest.mark.rule("GC-12")
class SheetFactoryContract(abc.ABC):
    """The protected sheet's promises; see the module documentation."""

    @abc.abstractmethod
    def read_back(self, target: Path, password: str, sheet: str) -> Sequence[Sequence[Cell]]:
        """The rows of ``sheet`` in ``target``, header first, opened with ``password``; raises
        if the password does not open the file."""

    @pytest.fixture
    def directory(self, tmp_path: Path) -> Path:
        folder = tmp_path / "exports"
        folder.mkdir(mode=0o700)
        return folder

    def written(self, sheets: SheetFactory, directory: Path) -> Path:
        target = directory / "cards.xlsx"
        sheet = sheets(target, password=PASSWORD, header=HEADER, sheet=SHEET)
        for page in pages():
            sheet.write_rows(page)
        sheet.close()
        return target

    def test_the_file_opens_with_its_password_and_holds_what_was_written(
        self, sheets: SheetFactory, directory: Path
    ) -> None:
        target = directory / "cards.xlsx"
        sheet = sheets(target, password=PASSWORD, header=HEADER, sheet=SHEET)
        assert [sheet.write_rows(page) for page in pages()] == [2, 3]
        assert sheet.close() == 3
        rows = [tuple(row) for row in self.read_back(target, PASSWORD, SHEET)]
        assert rows == [HEADER, *ROWS]

    def test_another_password_does_not_open_it(self, sheets: SheetFactory, directory: Path) -> None:
        target = self.written(sheets, directory)
        for wrong in ("correct horse battery stapler", PASSWORD.upper(), "x"):
            try:
                self.read_back(target, wrong, SHEET)
            except Exception:
                continue
            pytest.fail("the file opens with a password it was not given")

    @pytest.mark.rule("SEC-3")
    def test_no_cell_shows_in_the_bytes_of_the_file(
        self, sheets: SheetFactory, directory: Path
    ) -> None:
        content = self.written(sheets, directory).read_bytes()
        for row in ROWS:
            for cell in row[:2]:
                assert isinstance(cell, str)
                for encoded in (cell.encode(), cell.encode("utf-16-le")):
                    assert encoded not in content, f"{cell!r} is readable in the file"

    def test_the_file_appears_only_when_closed_private_and_alone(
        self, sheets: SheetFactory, directory: Path
    ) -> None:
        target = directory / "cards.xlsx"
        sheet = sheets(target, password=PASSWORD, header=HEADER, sheet=SHEET)
        sheet.write_rows(ROWS)
        assert not target.exists(), "a half-written file is visible"
        sheet.close()
        assert [path.name for path in directory.iterdir()] == [target.name]
        mode = stat.S_IMODE(target.stat().st_mode)
        assert not mode & 0o077, f"others may read the file of card secrets ({mode:o})"

    def test_abort_leaves_nothing(self, sheets: SheetFactory, directory: Path) -> None:
        sheet = sheets(directory / "cards.xlsx", password=PASSWORD, header=HEADER, sheet=SHEET)
        sheet.write_rows(ROWS)
        sheet.abort()
        assert list(directory.iterdir()) == []

    def test_an_empty_password_is_refused_before_anything_is_written(
        self, sheets: SheetFactory, directory: Path
    ) -> None:
        try:
            sheet = sheets(directory / "cards.xlsx", password="", header=HEADER, sheet=SHEET)
        except Exception:
            assert list(directory.iterdir()) == []
            return
        sheet.abort()
        pytest.fail("a sheet was opened to be protected with an empty password")


__all__ = ["Cell", "SheetFactoryContract"]
