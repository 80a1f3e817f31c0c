"""A FLOP budget ledger (in the spirit of CS336's training API and Zucchet's tutorial).

A sweep given a :class:`FlopBudget` prints its estimated cost before running, refuses
to start when the cost exceeds what is left (:class:`BudgetExceeded`), and is charged
only for the trials it actually trains; cached trials are free.
"""

from __future__ import annotations

from typing import NamedTuple

from .._checks import as_positive_float


class BudgetExceeded(ValueError):
    """Raised before any work when a sweep would spend more FLOPs than remain."""


class Charge(NamedTuple):
    """One entry of the ledger: what was spent (FLOPs) and on what."""

    flops: float
    label: str


class FlopBudget:
    """A compute allowance in training FLOPs, spent by sweeps.

    Args:
        total: FLOPs available (for example ``1e15``).

    Example:
        >>> budget = FlopBudget(1e12)
        >>> budget.charge(4e11, "warm-up sweep")
        >>> budget.remaining
        600000000000.0
    """

    def __init__(self, total: float):
        self.total = as_positive_float("total", total)
        self.ledger: list[Charge] = []

    @property
    def spent(self) -> float:
        """FLOPs charged so far."""
        return float(sum(c.flops for c in self.ledger))

    @property
    def remaining(self) -> float:
        """FLOPs still available."""
        return self.total - self.spent

    def check(self, flops: float, label: str = "sweep") -> None:
        """Raise :class:`BudgetExceeded` if ``flops`` is more than :attr:`remaining`."""
        if flops > self.remaining * (1 + 1e-12):
            raise BudgetExceeded(
                f"{label} needs {flops:.3g} FLOPs but only {self.remaining:.3g} of the "
                f"{self.total:.3g} budget remain; use fewer or smaller trials, fewer steps, "
                "or a larger budget."
            )

    def charge(self, flops: float, label: str = "sweep") -> None:
        """Record ``flops`` as spent (after checking they are available)."""
        self.check(flops, label)
        self.ledger.append(Charge(float(flops), label))

    def __repr__(self) -> str:
        return f"FlopBudget(total={self.total:.3g}, spent={self.spent:.3g}, remaining={self.remaining:.3g})"
