"""Pausing Python's cyclic garbage collector around large, allocation-heavy builds."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic garbage collector inside the block; restore its previous state after.

    Tracing, compiling and dumping a large workflow allocate many objects that live until the
    end (few in reference cycles); the collector would only re-scan them again and again, which
    makes the cost grow faster than the workflow. Reference counting still frees memory.

    Yields:
        Nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
