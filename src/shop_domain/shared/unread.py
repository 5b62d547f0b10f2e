"""A collection an aggregate was loaded without: a command that needs none of it (paying an
order needs none of its lines) lets its repository skip the read, and any use of what was not
read is a programming error raised at once, never an empty answer."""

from __future__ import annotations

from typing import Any, NoReturn


class Unread(list):  # type: ignore[type-arg]
    """Stands for a list attribute whose items were not read: reading, counting, testing or
    changing it raises :class:`UnreadCollection`."""

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def _refuse(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        raise UnreadCollection(f"{self.what} were not read for this command")

    __iter__ = __len__ = __getitem__ = __contains__ = __reversed__ = _refuse
    append = extend = insert = remove = pop = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __add__ = __eq__ = index = count = _refuse

    def __repr__(self) -> str:
        return f"<{self.what}: not read>"

    __hash__ = None


class UnreadCollection(RuntimeError):
    """A command used what its aggregate was loaded without."""


__all__ = ["Unread", "UnreadCollection"]
