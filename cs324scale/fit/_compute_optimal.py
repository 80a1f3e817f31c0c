"""Compute-optimal allocation: Chinchilla approach 2 (IsoFLOP profiles)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..flops import six_n, tokens_for_budget
from ._base import check_points


class IsoflopResult(NamedTuple):
    """Output of :func:`isoflop_analysis`; per-budget arrays have one entry per budget.

    Attributes:
        C: (K,) budget of each group (geometric mean of its points' C).
        N_opt, D_opt: (K,) parabola minima and the tokens they buy,
            ``D_opt = C / flops_per_token(N_opt)`` (``C / 6 N_opt`` by default).
        loss_opt: (K,) parabola value at the minimum.
        n_points: (K,) points per budget.
        on_edge: (K,) True where the minimum is not inside the budget's N grid (at or
            beyond its smallest/largest N, or the parabola opens downward): those
            budgets are excluded from the exponent fits.
        a, b: exponents of N_opt ~ C^a and D_opt ~ C^b (nan with < 2 usable budgets).
        N_coef, D_coef: prefactors, N_opt = N_coef C^a, D_opt = D_coef C^b.
        groups: list of (K,) index arrays into the input points.
        parabolas: (K, 3) coefficients ``(c2, c1, c0)`` of each budget's profile,
            ``loss = c2 (ln N)^2 + c1 ln N + c0`` (natural log); evaluate one with
            :meth:`profile`.
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
    parabolas: np.ndarray

    def profile(self, k: int, N) -> np.ndarray:
        """Budget ``k``'s fitted parabola at parameters ``N`` (any shape, > 0)."""
        c2, c1, c0 = self.parabolas[k]
        u = np.log(np.asarray(N, dtype=float))
        return c2 * u * u + c1 * u + c0

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


def _per_token_function(flops_per_token, N: np.ndarray) -> Callable:
    """``N -> FLOPs per token`` from a callable, or from per-point values by log-log interpolation."""
    if callable(flops_per_token):
        return flops_per_token
    f = check_points(1, flops_per_token=(flops_per_token, True))["flops_per_token"]
    if f.size != N.size:
        raise ValueError(
            f"flops_per_token has {f.size} values but there are {N.size} points; pass one "
            "value per point (aligned with N) or a function N -> FLOPs per token."
        )
    uN, inv = np.unique(np.log(N), return_inverse=True)
    lf = np.bincount(inv, weights=np.log(f)) / np.bincount(inv)  # geometric mean per N
    if uN.size == 1:
        return lambda n: np.full_like(np.asarray(n, float), np.exp(lf[0]))

    def interpolate(n):
        u = np.log(np.asarray(n, dtype=float))
        inside = np.interp(u, uN, lf)
        lo = lf[0] + (u - uN[0]) * (lf[1] - lf[0]) / (uN[1] - uN[0])
        hi = lf[-1] + (u - uN[-1]) * (lf[-1] - lf[-2]) / (uN[-1] - uN[-2])
        return np.exp(np.where(u < uN[0], lo, np.where(u > uN[-1], hi, inside)))

    return interpolate


def isoflop_analysis(
    N, C, loss, *, gap: float = 0.1, min_points: int = 3, flops_per_token=six_n
) -> IsoflopResult:
    """Chinchilla approach 2 (Hoffmann et al. 2022, Sec. 3.2 and Fig. 3).

    For each compute budget, fit a parabola of loss against log N, take its minimum,
    convert it to tokens, then fit straight lines log N_opt = log k_N + a log C and
    log D_opt = log k_D + b log C over the budgets whose minimum lies inside their grid.

    References:
        Hoffmann et al. 2022, https://arxiv.org/abs/2203.15556

    Args:
        N: (n,) parameters; C: (n,) training FLOP; loss: (n,) final losses.
        gap: budgets are separated where sorted log10 C jumps by more than this.
        min_points: budgets with fewer points (or distinct N) are skipped.
        flops_per_token: training FLOPs per token, in the units of ``C``: either a
            function ``N -> FLOPs per token`` (default :func:`cs324scale.flops.six_n`,
            ``D = C / 6N``, the published papers' units), or an ``(n,)`` array of each
            point's FLOPs per token (e.g. the kit's model FLOPs of each run). With an
            array, the value at a budget's ``N_opt`` is interpolated linearly in
            log FLOPs-per-token against log N over the points' distinct N (a geometric
            mean where one N has several values), extended along the end segments
            outside their range.

    Returns:
        :class:`IsoflopResult`.
    """
    d = check_points(3, N=(N, True), C=(C, True), loss=(loss, True))
    N, C, loss = d["N"], d["C"], d["loss"]
    per_token = _per_token_function(flops_per_token, N)
    rows, groups, parabolas = [], [], []
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
            Dopt = float(tokens_for_budget(Cg, Nopt, flops_per_token=per_token))
            rows.append((Cg, Nopt, Dopt, c0 + c1 * x + c2 * x * x, g.size, edge))
        groups.append(g)
        parabolas.append((c2, c1, c0))
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
    coefs = np.array(parabolas, dtype=float).reshape(-1, 3)
    return IsoflopResult(
        Cb,
        Nb,
        Db,
        Lb,
        nb.astype(int),
        edge,
        float(a),
        float(b),
        float(kN),
        float(kD),
        groups,
        coefs,
    )
