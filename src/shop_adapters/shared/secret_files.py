"""Private files that hold a secret: the JWT signing secret and the gift-card key list.

One helper makes and reads them all (:func:`load_or_create_private_file`), so every secret file
is made the same way: written in full under a temporary name with mode 0600, then linked into
place — two processes starting at once agree on one secret and neither reads a half-written
file — in a folder made 0700 if it has to be made.

A secret file that the group or others may read or write is refused (:class:`InsecureSecretFile`)
rather than used with a warning: a secret others can read is already shared, and a warning in a
start-up log is easy to miss. The message names the file and the ``chmod 600`` that fixes it,
and never includes the file's content (SEC-3).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

PRIVATE_MODE = 0o600
_OPEN_BITS = stat.S_IRWXG | stat.S_IRWXO


class InsecureSecretFile(ValueError):
    """A secret file is open to the group or others; the message says how to fix it."""

    def __init__(self, path: Path, mode: int) -> None:
        super().__init__(
            f"the secret file {path} has mode {stat.filemode(mode)} (group or others may read "
            f"or write it); make it private to its owner with: chmod 600 {path}"
        )
        self.path = path


def check_private(path: Path) -> None:
    """Raise :class:`InsecureSecretFile` unless only the owner may read or write ``path``."""
    mode = path.stat().st_mode
    if mode & _OPEN_BITS:
        raise InsecureSecretFile(path, mode)


def read_private_file(path: Path) -> str | None:
    """The stripped text of the secret file ``path``, or ``None`` if there is no such file;
    :class:`InsecureSecretFile` if others may read or write it."""
    try:
        check_private(path)
    except FileNotFoundError:
        return None
    return path.read_text(encoding="ascii").strip()


def load_or_create_private_file(path: Path, make: Callable[[], str]) -> tuple[str, bool]:
    """``(text, created)``: the secret kept in ``path``; if there is no such file, ``make()`` is
    written there first (``created`` is then ``True`` for the process whose file won)."""
    existing = read_private_file(path)
    if existing is not None:
        return existing, False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    created = False
    try:
        os.fchmod(descriptor, PRIVATE_MODE)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(make() + "\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: use its secret
            os.link(temporary, path)
            created = True
    finally:
        os.unlink(temporary)
    text = read_private_file(path)
    if text is None:  # pragma: no cover - removed between the link and the read
        raise FileNotFoundError(path)
    return text, created
