"""Python's cyclic garbage collector, kept off the objects a build holds to its end.

A build holds every evaluated case (and, in Jupyter Book's process, the environment of every
page) from the moment it loads them to its end. The collector's full collections walk every
tracked object, so each one costs in proportion to the number of cases: a one-case rebuild at
N = 1 000 made 5 full collections in the build's process, 0,11 s each, and unpickling the
stored evaluations of 1 000 cases triggered more of them while it created their objects. So
unpickling pauses the collector (:func:`collector_paused`), and the build exempts what it
holds from collections while it runs (:func:`long_lived`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection in the block (``gc.disable``); collecting again after it, if it was on before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def long_lived() -> Iterator[None]:
    """Every object alive as the block starts is left out of the collections in it (``gc.freeze``),
    and given back to the collector when it ends (``gc.unfreeze``), so a process that runs many
    builds (``casebook serve``) keeps none of them for ever. Objects made in the block are
    collected as usual."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
