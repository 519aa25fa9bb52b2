"""A fanned-out part as the engine needs it: arrays on the part's own numbers, as bytes.

The coordinator has compiled the whole problem and found its candidate pairs already
(engine.prepare); a part is some of those pairs (whole components, parts.py). Rather than a
problem document that a worker would compile and search again, a part travels as its
**kernel**: per volunteer its capacity; per demand ``needed``, start, end, priority and the
whole problem's integer priority; per pair its volunteer, demand, distance, skill term and
cost. Volunteers and demands are renumbered in the whole problem's order (a monotone
renumbering), so ``engine.solve_kernel`` runs exactly what ``solve`` runs on those pairs.

On the wire it is an uncompressed ``.npz`` (numpy's own format, no pickles): about 50 bytes a
pair, against some 100 bytes a pair for the part's problem as JSON plus the work of
compiling it and finding its pairs again.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hub.matching.arrays import F64, I64
from hub.matching.candidates import Pairs
from hub.matching.problem import ProblemError


@dataclass(frozen=True)
class Kernel:
    """One part for the engine (satisfies ``arrays.EngineArrays``)."""

    v_cap: I64
    d_need: I64
    d_start: I64
    d_end: I64
    d_prio: F64
    p_int: I64  # the whole problem's integer priorities, per demand of the part
    pairs: Pairs  # local volunteer and demand numbers
    cost_m: F64

    @property
    def n_vol(self) -> int:
        return int(self.v_cap.size)

    @property
    def n_dem(self) -> int:
        return int(self.d_need.size)


def kernel_of(v_cap: I64, d_need: I64, d_start: I64, d_end: I64, d_prio: F64, p_int: I64,
              pairs: Pairs, cost_m: F64) -> Kernel:
    """The kernel of ``pairs`` (global numbers) over the whole problem's per-volunteer and
    per-demand arrays; ``cost_m`` per pair of ``pairs``."""
    vs, v_loc = np.unique(pairs.v, return_inverse=True)
    ds, d_loc = np.unique(pairs.d, return_inverse=True)
    local = Pairs(v_loc.ravel().astype(np.int64), d_loc.ravel().astype(np.int64),
                  pairs.dist_m, pairs.skill)
    return Kernel(v_cap[vs], d_need[ds], d_start[ds], d_end[ds], d_prio[ds], p_int[ds], local,
                  cost_m)


_PER_VOL = ("v_cap",)
_PER_DEM = ("d_need", "d_start", "d_end", "d_prio", "p_int")
_PER_PAIR = ("v", "d", "dist_m", "skill", "cost_m")
_INT = {"v_cap", "d_need", "d_start", "d_end", "p_int", "v", "d"}


def to_bytes(k: Kernel) -> bytes:
    """The kernel as an uncompressed .npz (volunteer and demand numbers as int32)."""
    p = k.pairs
    arrays: dict[str, npt.NDArray[np.generic]] = {
        "v_cap": k.v_cap, "d_need": k.d_need, "d_start": k.d_start, "d_end": k.d_end,
        "d_prio": k.d_prio, "p_int": k.p_int, "v": p.v.astype(np.int32),
        "d": p.d.astype(np.int32), "dist_m": p.dist_m, "skill": p.skill, "cost_m": k.cost_m}
    buf = io.BytesIO()
    np.savez(buf, allow_pickle=False, **arrays)
    return buf.getvalue()


def from_bytes(data: bytes) -> Kernel:
    """A kernel from :func:`to_bytes`; ProblemError naming what is wrong otherwise."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            a = {name: npz[name] for name in npz.files}
    except (OSError, ValueError) as exc:
        raise ProblemError("kernel", f"not a part's kernel: {exc}") from None
    missing = [n for n in (*_PER_VOL, *_PER_DEM, *_PER_PAIR) if n not in a]
    if missing:
        raise ProblemError("kernel", f"missing {', '.join(missing)}")
    for names in (_PER_VOL, _PER_DEM, _PER_PAIR):
        sizes = {a[n].shape for n in names}
        if len(sizes) != 1 or len(next(iter(sizes))) != 1:
            raise ProblemError("kernel", f"{', '.join(names)} differ in shape")
    for name in _INT:
        a[name] = a[name].astype(np.int64)
    v, d = a["v"], a["d"]
    if v.size and (v.min() < 0 or v.max() >= a["v_cap"].size or d.min() < 0
                   or d.max() >= a["d_need"].size):
        raise ProblemError("kernel", "a pair names a volunteer or demand outside the part")
    pairs = Pairs(v, d, a["dist_m"].astype(np.float64), a["skill"].astype(np.float64))
    return Kernel(a["v_cap"], a["d_need"], a["d_start"], a["d_end"],
                  a["d_prio"].astype(np.float64), a["p_int"], pairs,
                  a["cost_m"].astype(np.float64))
