"""Scalar-or-array plumbing shared by the vectorised geo functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: A coordinate value: a float in gives a float out, an array in gives an array out.
Coord = TypeVar("Coord", float, FloatArray)

FlatFunction = Callable[..., tuple[FloatArray, ...]]


def apply_flat(fn: FlatFunction, *values: Any) -> Any:
    """Call ``fn`` on flat float64 copies of ``values`` (broadcast together), restoring the shape.

    Returns a tuple of floats when every input is a plain number (not an ndarray), else a tuple
    of arrays of the broadcast shape (0-d arrays in give 0-d arrays out).
    """
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values))
    shape = arrays[0].shape
    results = fn(*(np.array(a, dtype=np.float64).reshape(-1) for a in arrays))
    if all(np.ndim(v) == 0 and not isinstance(v, np.ndarray) for v in values):
        return tuple(float(r.reshape(-1)[0]) for r in results)
    return tuple(np.asarray(r, dtype=np.float64).reshape(shape) for r in results)
