"""The garbage collector is kept off what a build holds to its end (casebook.engine.heap)."""

from __future__ import annotations

import gc
import weakref

from casebook.engine import heap


class _Cycle:
    def __init__(self):
        self.me = self


def test_the_collector_is_paused_in_the_block_and_left_as_it_was_after_it():
    assert gc.isenabled()
    with heap.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with heap.collector_paused():
            pass
        assert not gc.isenabled()  # paused by someone else before: still paused
    finally:
        gc.enable()


def test_what_lives_as_the_block_starts_is_left_out_of_its_collections_and_given_back_after_it():
    held = _Cycle()
    with heap.long_lived():
        assert gc.get_freeze_count() > 0
        assert not any(o is held for o in gc.get_objects())
        made, dropped = _Cycle(), _Cycle()
        gone = weakref.ref(dropped)
        del dropped  # made in the block: collected as usual
        gc.collect()
        assert gone() is None and any(o is made for o in gc.get_objects())
    assert gc.get_freeze_count() == 0  # a process that runs many builds keeps none of them for ever
    assert any(o is held for o in gc.get_objects())


def test_exempting_for_good_leaves_what_is_alive_out_of_every_later_collection():
    held = _Cycle()
    try:
        with heap.collector_paused():  # as Jupyter Book's process is while Sphinx sets up
            before = heap.collections()
            frozen = heap.exempt_for_good()
            assert heap.collections() == before  # nothing collected first
        assert frozen > 0 and gc.get_freeze_count() > 0
        assert not any(o is held for o in gc.get_objects())
        later, dropped = _Cycle(), _Cycle()
        gone = weakref.ref(dropped)
        del dropped  # made afterwards: collected as usual
        gc.collect()
        assert gone() is None and any(o is later for o in gc.get_objects())
    finally:
        gc.unfreeze()
