"""The cycle collector is paused for bulk reads and always comes back as it was."""

from __future__ import annotations

import gc
import threading

import pytest

from hub.services.gc_pause import gc_paused


def test_paused_inside_and_restored_after_nested_and_concurrent_use() -> None:
    assert gc.isenabled()
    inside = threading.Event()
    release = threading.Event()

    def other_import() -> None:
        with gc_paused():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=other_import)
    with gc_paused():
        assert not gc.isenabled()
        worker.start()
        assert inside.wait(5)
    assert not gc.isenabled()  # the other import is still reading
    release.set()
    worker.join(5)
    assert gc.isenabled()


def test_restored_after_an_error_and_left_off_when_it_was_off() -> None:
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("a bad file")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
