"""Every hub process runs the collector as hub/gc_tuning.py says, and puts it back after."""

from __future__ import annotations

import gc

from hub.gc_tuning import tuned_gc


def test_the_collector_is_tuned_inside_and_put_back_after() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    kept = [object() for _ in range(10)]  # alive when the block starts: frozen
    with tuned_gc(50_000):
        assert gc.get_threshold()[0] == 50_000
        assert gc.get_threshold()[1:] == before[1:]
        assert gc.get_freeze_count() >= frozen + len(kept)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0  # unfrozen: collectable again


def test_a_lower_setting_never_collects_more_often_than_python_does() -> None:
    before = gc.get_threshold()
    with tuned_gc(10):
        assert gc.get_threshold()[0] == max(10, before[0])
    assert gc.get_threshold() == before
