"""Compute-optimal allocation: Chinchilla approach 2 (IsoFLOP profiles) and approach 3."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._base import check_points
from ._chinchilla import ChinchillaLaw


class IsoflopResult(NamedTuple):
    """Output of :func:`isoflop_analysis`; per-budget arrays have one entry per budget.

    Attributes:
        C: (K,) budget of each group (geometric mean of its points' C).
        N_opt, D_opt: (K,) parabola minima and D_opt = C / (6 N_opt).
        loss_opt: (K,) parabola value at the minimum.
        n_points: (K,) points per budget.
        on_edge: (K,) True where the minimum is not inside the budget's N grid (at or
            beyond its smallest/largest N, or the parabola opens downward): those
            budgets are excluded from the exponent fits.
        a, b: exponents of N_opt ~ C^a and D_opt ~ C^b (nan with < 2 usable budgets).
        N_coef, D_coef: prefactors, N_opt = N_coef C^a, D_opt = D_coef C^b.
        groups: list of (K,) index arrays into the input points.
    """

    C: np.ndarray
    N_opt: np.ndarray
    D_opt: np.ndarray
    loss_opt: np.ndarray
    n_points: np.ndarray
    on_edge: np.ndarray
    a: float
    b: float
    N_coef: float
    D_coef: float
    groups: list

    def tokens_per_parameter(self, C) -> np.ndarray:
        """D_opt / N_opt implied by the fitted exponents at compute ``C``."""
        C = np.asarray(C, dtype=float)
        return self.D_coef * C**self.b / (self.N_coef * C**self.a)


def group_budgets(C: np.ndarray, gap: float = 0.1) -> list[np.ndarray]:
    """Split points into compute budgets: sorted log10 C, cut where it jumps by > ``gap``."""
    order = np.argsort(C)
    lc = np.log10(C[order])
    cuts = np.flatnonzero(np.diff(lc) > gap) + 1
    return [np.sort(g) for g in np.split(order, cuts)]


def isoflop_analysis(
    N, C, loss, *, gap: float = 0.1, min_points: int = 3, flops_per_param_token: float = 6.0
) -> IsoflopResult:
    """Chinchilla approach 2 (Hoffmann et al. 2022, Sec. 3.2 and Fig. 3).

    For each compute budget, fit a parabola of loss against log N, take its minimum,
    then fit straight lines log N_opt = log k_N + a log C and log D_opt = log k_D + b log C
    over the budgets whose minimum lies inside their grid.

    Args:
        N: (n,) parameters; C: (n,) training FLOP; loss: (n,) final losses.
        gap: budgets are separated where sorted log10 C jumps by more than this.
        min_points: budgets with fewer points (or distinct N) are skipped.
        flops_per_param_token: the 6 in D = C / (6 N).

    Returns:
        :class:`IsoflopResult`.
    """
    d = check_points(3, N=(N, True), C=(C, True), loss=(loss, True))
    N, C, loss = d["N"], d["C"], d["loss"]
    rows = []
    groups = []
    for g in group_budgets(C, gap):
        lN = np.log(N[g])
        if np.unique(lN).size < max(min_points, 3):
            continue
        c2, c1, c0 = np.polyfit(lN, loss[g], 2)
        Cg = float(np.exp(np.mean(np.log(C[g]))))
        if c2 <= 0:
            rows.append((Cg, np.nan, np.nan, np.nan, g.size, True))
        else:
            x = -c1 / (2 * c2)
            edge = bool(
                x <= lN.min()
                or x >= lN.max()
                or np.argmin(loss[g]) in (np.argmin(lN), np.argmax(lN))
            )
            Nopt = float(np.exp(x))
            rows.append(
                (
                    Cg,
                    Nopt,
                    Cg / (flops_per_param_token * Nopt),
                    c0 + c1 * x + c2 * x * x,
                    g.size,
                    edge,
                )
            )
        groups.append(g)
    if not rows:
        raise ValueError(
            f"No budget has {max(min_points, 3)} or more distinct N; pass IsoFLOP profiles "
            "(several model sizes per compute budget) or adjust gap."
        )
    Cb, Nb, Db, Lb, nb, edge = (np.array(v) for v in zip(*rows, strict=True))
    edge = edge.astype(bool)
    use = ~edge
    if use.sum() >= 2 and np.unique(Cb[use]).size >= 2:
        a, lkN = np.polyfit(np.log(Cb[use]), np.log(Nb[use]), 1)
        b, lkD = np.polyfit(np.log(Cb[use]), np.log(Db[use]), 1)
        kN, kD = np.exp(lkN), np.exp(lkD)
    else:
        a = b = kN = kD = float("nan")
    return IsoflopResult(
        Cb, Nb, Db, Lb, nb.astype(int), edge, float(a), float(b), float(kN), float(kD), groups
    )


def optimal_exponents(law: ChinchillaLaw) -> tuple[float, float]:
    """Approach 3 (Hoffmann et al. 2022, App. D.3): a = beta/(alpha+beta), b = alpha/(alpha+beta)."""
    return law.exponents


def tokens_per_parameter(law: ChinchillaLaw, C) -> np.ndarray:
    """Approach 3: D_opt / N_opt at compute ``C`` for a fitted (or published) law."""
    return law.tokens_per_parameter(C)
