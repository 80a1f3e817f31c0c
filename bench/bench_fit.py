"""Benchmark: Epoch's 4500-start Chinchilla fit, vectorised JAX L-BFGS vs a scipy loop.

Run:  JAX_PLATFORMS=cpu python bench/bench_fit.py [--scipy-starts 300] [--resamples 4000]

Fits L(N, D) = E + A/N^alpha + B/D^beta to Epoch's 240 points (Besiroglu et al. 2024)
from the full start grid (alpha, beta in {0, .5, .., 2}; e in {-1, .., 1}; a, b in
{0, 5, .., 25}) two ways, in one process:
  1. cs324scale.fit.ChinchillaLaw: all 4500 starts as lanes of one JAX L-BFGS program;
  2. one scipy.optimize.minimize(method="L-BFGS-B") call per start on the same summed
     Huber objective in numpy, without an analytic gradient, as in Epoch's replication
     code. By default a random subset of starts is timed and the time per start is
     extrapolated linearly to 4500 (the output says so); --scipy-starts 4500 runs all.
Then times a bootstrap with --resamples resamples (Epoch used 4000).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np
from scipy.optimize import minimize
from scipy.special import huber, logsumexp

import cs324scale.fit as F
from cs324scale import published


def scipy_objective(theta, logN, logD, logL, delta=1e-3):
    a, b, e, alpha, beta = theta
    pred = logsumexp([a - alpha * logN, b - beta * logD, np.full_like(logN, e)], axis=0)
    return np.sum(huber(delta, pred - logL))


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--scipy-starts", type=int, default=300, help="starts timed in the scipy loop")
    ap.add_argument("--resamples", type=int, default=4000, help="bootstrap resamples")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    pts = published.drop_highest_losses(published.chinchilla_points(), k=5)
    N, D, L = pts.N, pts.D, pts.loss
    grid = F.epoch_start_grid()
    print(f"data: {len(L)} points; start grid: {grid.shape[0]} starts; cores: {os.cpu_count()}")

    t0 = time.perf_counter()
    law = F.ChinchillaLaw().fit(N, D, L)
    t_cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    law = F.ChinchillaLaw().fit(N, D, L)
    t_jax = time.perf_counter() - t0
    p = law.params_
    print(
        f"JAX vectorised L-BFGS, 4500 starts: {t_jax:.1f} s (first call incl. compilation {t_cold:.1f} s)"
    )
    print(
        "  fit: E={E:.4f} A={A:.1f} B={B:.1f} alpha={alpha:.4f} beta={beta:.4f}".format(**p)
        + f"  objective={law.objective_:.6e} converged={law.converged_}"
    )
    print(
        f"  tokens/param at C=1e21, 5.76e23: {law.tokens_per_parameter([1e21, 5.76e23]).round(1)}"
    )

    rng = np.random.default_rng(args.seed)
    k = min(args.scipy_starts, grid.shape[0])
    sel = rng.choice(grid.shape[0], k, replace=False) if k < grid.shape[0] else np.arange(k)
    logs = (np.log(N), np.log(D), np.log(L))
    t0 = time.perf_counter()
    best = np.inf
    for x0 in grid[sel]:
        r = minimize(scipy_objective, x0, args=logs, method="L-BFGS-B")
        best = min(best, r.fun)
    t_sub = time.perf_counter() - t0
    t_scipy = t_sub / k * grid.shape[0]
    note = (
        ""
        if k == grid.shape[0]
        else f" (timed {k} random starts: {t_sub:.1f} s, extrapolated linearly to 4500)"
    )
    print(f"scipy L-BFGS-B loop, one call per start: {t_scipy:.1f} s{note}")
    print(f"  best objective among the scipy starts run: {best:.6e}")
    print(f"speed-up: {t_scipy / t_jax:.0f}x warm, {t_scipy / t_cold:.0f}x including compilation")

    t0 = time.perf_counter()
    res = F.bootstrap(
        F.ChinchillaLaw(),
        N,
        D,
        L,
        n_resamples=args.resamples,
        key=args.seed,
        predict=lambda m: m.tokens_per_parameter(5.76e23),
    )
    t_boot = time.perf_counter() - t0
    print(
        f"bootstrap, {args.resamples} resamples x 4 warm starts (incl. the full-data fit): {t_boot:.1f} s; "
        f"converged {res.converged.mean():.1%}"
    )
    for name in ("E", "alpha", "beta"):
        lo, hi = res.intervals[name]
        print(f"  95% interval {name}: {lo:.3f} .. {hi:.3f}")
    lo, hi = res.prediction_interval
    print(f"  95% interval tokens/param at 5.76e23: {lo:.1f} .. {hi:.1f}")


if __name__ == "__main__":
    main()
