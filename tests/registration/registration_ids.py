"""Valid ID numbers for the registration tests, computed independently of the code under test.

A plain module with a unique name (not ``conftest``): ``tests/`` has other conftest files, so
``from conftest import …`` could pick up the wrong one.
"""

from __future__ import annotations

from collections.abc import Callable

_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # ISO 7064 MOD 11-2 weights, derived

MakeId = Callable[..., str]


def id_with_check(first17: str) -> str:
    """Append the GB 11643 check character to 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def make_id(region: str = "620102", birth: str = "19850612", seq: str = "123") -> str:
    """A valid 18-character number; ``seq``'s last digit odd → male, even → female."""
    return id_with_check(region + birth + seq)
