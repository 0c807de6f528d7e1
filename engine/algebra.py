"""The operations the semantics is written in, so that it is written once for both evaluators.

engine/plan.py states three-valued logic, member quantifiers and eligibility, and
engine/facts.py the facts computed from others, as functions of an `Algebra`: `TRI` here runs
them on Python values for one group (truth as True / False / None, numbers as numbers), and
engine/vectorised.py's `POLARS` on polars expressions for a whole population. Comparisons and
arithmetic are Python operators, which both kinds of value understand; what differs (Kleene
and/or, a choice, a division by a count that may be zero) goes through these methods.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

Tri = bool | None  # three-valued truth: None is "not known"

#: durable-rules' C JSON parser mishandles numbers in exponent notation (Python writes floats
#: from 1e16 up and below 1e-4 that way), so every number a rule compares is first brought into
#: [-1e15, 1e15] with magnitudes under 1e-4 read as 0, on both evaluators alike
NUMBER_LIMIT = 1e15
NUMBER_TINY = 1e-4
#: a share of a total (a project's federal %) is compared to this many decimals
PERCENT_DECIMALS = 2


class Algebra(Protocol):
    """Three-valued truth and counting over some kind of value (`Any`: a Python value or a
    polars expression)."""

    def const(self, value: Tri) -> Any: ...

    def all(self, items: Sequence[Any]) -> Any:
        """Kleene conjunction: false if any is false, else unknown if any is unknown."""

    def any(self, items: Sequence[Any]) -> Any:
        """Kleene disjunction: true if any is true, else unknown if any is unknown."""

    def is_(self, x: Any, value: Tri) -> Any:
        """Two-valued: whether `x` is exactly `value`."""

    def not_(self, x: Any) -> Any:
        """Two-valued negation (of a value that is never unknown)."""

    def choose(self, cond: Any, then: Any, otherwise: Any) -> Any:
        """`then` where the two-valued `cond` holds, else `otherwise`."""

    def number(self, k: Any) -> Any:
        """A count as a real number."""

    def ratio(self, k: Any, n: Any) -> Any:
        """k / n, and 0 when n is 0 (the share of an empty group's members)."""

    def round(self, x: Any) -> Any:
        """The whole number nearest to x."""

    def percent(self, part: Any, whole: Any) -> Any:
        """100 * part / whole to PERCENT_DECIMALS decimals; unknown when whole is not positive."""

    def normalise(self, x: Any) -> Any:
        """A real number as rules compare it (see NUMBER_LIMIT)."""


class PythonAlgebra:
    """The algebra over one group's Python values."""

    def const(self, value: Tri) -> Tri:
        return value

    def all(self, items: Sequence[Tri]) -> Tri:
        return False if False in items else (None if None in items else True)

    def any(self, items: Sequence[Tri]) -> Tri:
        return True if True in items else (None if None in items else False)

    def is_(self, x: Tri, value: Tri) -> bool:
        return x is value

    def not_(self, x: bool) -> bool:
        return not x

    def choose(self, cond: bool, then: Any, otherwise: Any) -> Any:
        return then if cond else otherwise

    def number(self, k: int) -> float:
        return float(k)

    def ratio(self, k: int, n: int) -> float:
        return k / n if n else 0.0

    def round(self, x: float) -> int:
        return round(x)

    def percent(self, part: float, whole: float) -> float | None:
        if not whole > 0:
            return None
        scale = 10.0**PERCENT_DECIMALS
        # the same operations, in the same order, as the polars algebra: bit for bit equal
        return math.floor(100.0 * part / whole * scale + 0.5) / scale

    def normalise(self, x: Any) -> Any:
        if not isinstance(x, float):
            return x
        if x != x:  # NaN: not a number, so not known
            return None
        x = max(-NUMBER_LIMIT, min(NUMBER_LIMIT, x))
        return 0.0 if abs(x) < NUMBER_TINY else x


TRI = PythonAlgebra()
