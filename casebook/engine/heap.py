"""Python's cyclic garbage collector, kept off the objects a build holds to its end.

A build holds every evaluated case, and Jupyter Book's process the environment of every page,
from the moment it loads them to its end. The collector's full collections walk every tracked
object, so each costs in proportion to the number of cases, and loading many objects at once
triggers collections that walk them as they are made:

- the build's process made 5 full collections in a one-case rebuild at N = 1 000, 0,11 s
  each, walking the 110 000 objects of the evaluated cases: it exempts what it holds while
  it runs (:func:`long_lived`), and unpickles the stored evaluations with the collector
  paused (:func:`collector_paused`);
- Jupyter Book's process loaded Sphinx's environment of 1 000 pages (10 MB) in 0,30 s, 0,08 s
  with the collector paused, and its collection before freezing walked every object again
  (0,22 s) to find 769 objects of garbage: the collector is paused while Sphinx sets up, and
  what is alive then is exempted for the rest of the process (:func:`exempt_for_good`).
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


def exempt_for_good() -> int:
    """Every object alive is left out of all later collections (``gc.freeze``), for a process
    that holds them to its end; how many objects that is.

    Without collecting first: garbage alive now is exempted too (769 objects when Jupyter
    Book's process has loaded the environment of 1 000 pages). In Jupyter Book's process the
    modules, extensions, configuration and environment of Sphinx live until it exits, and
    its builds make many full collections (about 50 for 1 000 case pages, to free the
    doctrees of written pages): site alone at N = 1 000, full collections 37,1 s → 19,8 s.
    In ``casebook serve``'s kept process, what a later build replaces of that first
    environment stays exempted, at most the environment's size.
    """
    gc.freeze()
    return gc.get_freeze_count()


def collections() -> int:
    """How many garbage collections this process has run, of every generation."""
    return sum(generation["collections"] for generation in gc.get_stats())
