"""The cyclic garbage collector as every hub process runs it (``HUB_GC_GEN0_THRESHOLD``).

The objects alive once a process has started (modules, the schema, numpy and OR-Tools, the
pools) are frozen out of the collector's scans (``gc.freeze``), and the youngest generation is
collected every ``gen0`` allocations rather than CPython's 700:

* serving, a request makes thousands of short-lived objects; at 700 the collector ran several
  times a request and rescanned the long-lived ones, about a tenth of a request's CPU;
* dispatching a big city (``hub match``, the worker), reading 235,000 candidate rows and
  making 179,000 volunteers set off 80 collections of the middle generation and 2–5 of the
  oldest, each rescanning everything made so far: 1.1–1.4 s of 广州's national dispatch
  (0.1–0.3 s at 20,000).

Reference counting still frees almost everything at once; only cycles wait a little longer.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

DEFAULT_GEN0 = 20_000


@contextlib.contextmanager
def tuned_gc(gen0: int = DEFAULT_GEN0) -> Iterator[None]:
    """While the block runs: what exists now frozen, the youngest generation collected every
    ``gen0`` allocations (never less often than CPython's default). Put back at exit."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(gen0, threshold[0]), *threshold[1:])
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
