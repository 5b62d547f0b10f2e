"""Errors of the messaging adapters."""

from __future__ import annotations

import re

_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]*@")


class PublishFailed(Exception):
    """The broker did not confirm every message of a batch (refused, unreachable, timed out).

    Nothing can be assumed about which messages of the batch arrived: the caller publishes the
    whole batch again later (at-least-once), and consumers deduplicate by message id.
    """


def describe_error(exc: BaseException, limit: int = 500) -> str:
    """``"ExceptionClass: message"``, truncated, with any credentials of a URL masked.

    What the relay stores in ``outbox.last_error`` and writes to the log: never a payload, a
    traceback or a password.
    """
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    text = _CREDENTIALS.sub(r"\g<scheme>***@", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
