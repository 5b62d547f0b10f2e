"""A password-protected Excel workbook written a row at a time (GC-12: gift-card exports).

Why this shape
--------------
An export may hold a whole batch of gift cards — up to a million rows of card numbers and
secrets — so the writer must neither hold the rows in Python nor leave them readable on disk:

- **Streaming.** xlsxwriter runs in ``constant_memory`` mode: each row goes straight to a
  temporary XML file, and strings are written inline rather than into a shared-string table, so
  the Python heap stays flat however many rows are written. The rows must come in order, one
  sheet only — which is all an export needs.
- **Real encryption.** Excel's "protect sheet" is no protection: anyone can unzip the file. The
  finished workbook is encrypted with ECMA-376 *agile* encryption (AES-256, SHA-512 key
  derivation) by msoffcrypto-tool; the result is an OLE compound file that Excel, LibreOffice
  and the like open only with the password.
- **No plaintext left behind.** Everything in clear — xlsxwriter's row files and the plain
  workbook — lives in a private temporary directory (mode 0700, files 0600) created *in the
  target's directory*, so it never crosses file systems and never lands in a shared ``/tmp``. It
  is removed in every case: after :meth:`ProtectedXlsxWriter.close`, after
  :meth:`~ProtectedXlsxWriter.abort`, and when anything fails. The encrypted file is written
  under a temporary name beside the target and renamed over it (``os.replace``), so the target
  appears whole or not at all; it keeps mode 0600 (it is still a file of card secrets).
- **Text stays text.** Every ``str`` is written with ``write_string``: a card number such as
  ``"0012345678901234"`` keeps its leading zeros and all its digits (Excel would otherwise turn
  it into a float with 15 significant digits), and a value starting with ``=`` is never taken
  for a formula. Integers of 16 digits or more are written as text for the same reason.

What stays in memory
--------------------
While rows are written: one row at a time, plus one width counter per column. At
:meth:`~ProtectedXlsxWriter.close`: msoffcrypto encrypts the *whole file in memory* — it reads
the plain workbook, holds the encrypted package and builds the compound file around it in
buffers, about three times the size of the (compressed) workbook at its peak. That is bounded by
the file's size, not by rows held in Python: 200,000 rows of six short columns (number, secret,
balance, currency, state, expiry) make a 7 MB workbook and a peak near 21 MB, so a million rows
need about 100 MB for a moment.

Speed: xlsxwriter spends about 14 µs per cell, so a million rows of six columns take about a
minute and a half — work for a background job, not a request.

The password is the caller's; this writer only insists that it is not empty (the application
enforces its own policy on length and strength).
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal

import xlsxwriter  # type: ignore[import-untyped]
from msoffcrypto.format.ooxml import OOXMLFile  # type: ignore[import-untyped]

Cell = str | int | float | None

MAX_ROWS: Final = 1_048_575  # Excel's 1,048,576 rows, less the header
MAX_CELL_CHARS: Final = 32_767  # the most characters an Excel cell holds
MAX_COLUMNS: Final = 16_384
MIN_WIDTH: Final = 8
MAX_WIDTH: Final = 60
_EXACT_INTEGER_LIMIT: Final = 10**15  # Excel keeps 15 significant digits

_State = Literal["open", "closed", "aborted"]


class ProtectedXlsxWriter:
    """Write ``header`` and then rows into one sheet; :meth:`close` encrypts the workbook with
    ``password`` into ``target``. Use it as a context manager: it closes on success and aborts
    (writing nothing) on an exception::

        with ProtectedXlsxWriter(path, password=password, header=["Number", "Secret"]) as xlsx:
            for page in pages:
                xlsx.write_rows((card.number, card.secret) for card in page)
    """

    def __init__(
        self, target: Path, *, password: str, header: Sequence[str], sheet: str = "Cards"
    ) -> None:
        if not password:
            raise ValueError("a protected workbook needs a non-empty password")
        if not header:
            raise ValueError("a workbook needs at least one header column")
        if len(header) > MAX_COLUMNS:
            raise ValueError(f"a sheet holds at most {MAX_COLUMNS} columns")
        self._target = Path(target)
        self._password = password
        self._columns = len(header)
        self._rows = 0
        self._state: _State = "open"
        self._widths = [len(str(name)) for name in header]
        # mkdtemp makes the directory 0700; mkstemp (xlsxwriter's, and ours below) files 0600
        self._workdir = Path(
            tempfile.mkdtemp(prefix=f".{self._target.name}.", dir=self._target.parent)
        )
        try:
            self._plain = self._workdir / "plain.xlsx"
            os.close(os.open(self._plain, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            self._book: Any = xlsxwriter.Workbook(
                str(self._plain), {"constant_memory": True, "tmpdir": str(self._workdir)}
            )
            self._sheet: Any = self._book.add_worksheet(sheet)
            bold = self._book.add_format({"bold": True})
            for column, name in enumerate(header):
                self._sheet.write_string(0, column, self._text(str(name)), bold)
            self._sheet.freeze_panes(1, 0)
        except BaseException:
            self._discard()
            raise

    @property
    def target(self) -> Path:
        return self._target

    @property
    def rows_written(self) -> int:
        """The rows written so far, not counting the header."""
        return self._rows

    def write_rows(self, rows: Iterable[Sequence[Cell]]) -> int:
        """Append ``rows`` (each at most as long as the header; ``None`` leaves a cell empty) and
        return the number of rows written so far. A bad value raises ``ValueError``; the rows
        before it stay written (abort to throw everything away)."""
        self._require_open()
        sheet, widths = self._sheet, self._widths
        for row in rows:
            if self._rows >= MAX_ROWS:
                raise ValueError(f"a sheet holds at most {MAX_ROWS} rows after the header")
            if len(row) > self._columns:
                raise ValueError(
                    f"a row has {len(row)} values but the header only {self._columns} columns"
                )
            index = self._rows + 1
            for column, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    text = self._text(value)
                    sheet.write_string(index, column, text)
                    width = len(text)
                elif isinstance(value, bool):
                    sheet.write_boolean(index, column, value)
                    width = 5
                elif isinstance(value, int):
                    if -_EXACT_INTEGER_LIMIT < value < _EXACT_INTEGER_LIMIT:
                        sheet.write_number(index, column, value)
                    else:
                        sheet.write_string(index, column, str(value))
                    width = len(str(value))
                elif isinstance(value, float):
                    if math.isfinite(value):
                        sheet.write_number(index, column, value)
                    else:
                        sheet.write_string(index, column, str(value))
                    width = len(repr(value))
                else:
                    raise ValueError(f"cannot write a {type(value).__name__} into a cell")
                if width > widths[column]:
                    widths[column] = width
            self._rows += 1
        return self._rows

    def close(self) -> int:
        """Finish the workbook, encrypt it with the password into the target (atomically) and
        remove every plaintext file; return the number of rows written. On failure nothing is
        left behind and the target is untouched. Closing again only returns the count."""
        if self._state == "closed":
            return self._rows
        self._require_open()
        try:
            for column, width in enumerate(self._widths):
                self._sheet.set_column(column, column, min(max(width + 2, MIN_WIDTH), MAX_WIDTH))
            self._book.close()
            self._encrypt()
        except BaseException:
            self._discard()
            self._state = "aborted"
            raise
        self._discard()
        self._state = "closed"
        return self._rows

    def abort(self) -> None:
        """Remove every temporary file and write nothing (a finished target stays)."""
        if self._state == "open":
            self._discard()
            self._state = "aborted"

    def __enter__(self) -> ProtectedXlsxWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _require_open(self) -> None:
        if self._state != "open":
            raise ValueError(f"the workbook is {self._state}")

    @staticmethod
    def _text(value: str) -> str:
        if len(value) > MAX_CELL_CHARS:
            raise ValueError(f"a cell holds at most {MAX_CELL_CHARS} characters")
        return value

    def _encrypt(self) -> None:
        fd, name = tempfile.mkstemp(prefix=".encrypted.", suffix=".xlsx", dir=self._workdir)
        with os.fdopen(fd, "wb") as out, self._plain.open("rb") as plain:
            OOXMLFile(plain).encrypt(self._password, out)
            out.flush()
            os.fsync(out.fileno())
        # the private directory is in the target's directory: a rename, atomic
        os.replace(name, self._target)
        with contextlib.suppress(OSError):  # make the new name durable where the OS allows
            directory = os.open(self._target.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)

    def _discard(self) -> None:
        """Close xlsxwriter's open row file and remove the private directory with everything
        in clear; forget the password."""
        self._password = ""
        book = getattr(self, "_book", None)
        if book is not None and not book.fileclosed:
            for worksheet in book.worksheets():
                worksheet._opt_close()  # the constant_memory row file xlsxwriter keeps open
            book.fileclosed = True
        shutil.rmtree(self._workdir, ignore_errors=True)


__all__ = ["MAX_CELL_CHARS", "MAX_ROWS", "Cell", "ProtectedXlsxWriter"]
