"""The process's start-up heap, frozen once so the garbage collector stops scanning it
(decision 0047).

After imports and the start step, a process holds a few hundred thousand objects that live as
long as it does: modules, classes, the table maps and compiled statements, the containers. A
full collection walks every one of them again (about 200 ms for 300,000 objects on the
benchmark's machine), and under load one came every 130 checkouts. :func:`freeze_start_heap`
collects once and moves what is left to the permanent generation (``gc.freeze``): later
collections walk only what was made after the start.
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_start_heap() -> bool:
    """Collect, then freeze what the process holds — the first time it is called in a process
    only (a second runtime, a test's, freezes nothing more); whether it froze now."""
    global _frozen
    if _frozen:
        return False
    gc.collect()
    gc.freeze()
    _frozen = True
    return True


__all__ = ["freeze_start_heap"]
