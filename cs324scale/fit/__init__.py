"""Scaling-law fitting and forecasting: the engine every lecture shares.

Estimators have the scikit-learn shape (``fit`` returns self, fitted values end in
``_``, ``predict`` separate)::

    import cs324scale as cs
    law = cs.fit.ChinchillaLaw().fit(N, D, loss)      # Hoffmann et al. 2022, App. D.2
    law.compute_optimal(1e24)                         # (N_opt, D_opt) under C = 6ND
    res = cs.fit.bootstrap(law, N, D, loss, n_resamples=1000, key=0,
                           predict=lambda m: m.compute_optimal(1e24)[0])

Multi-start fits run every start as a lane of one vectorised JAX L-BFGS (``_lbfgs``),
in float64 inside a local ``jax.enable_x64`` context (the global setting is untouched).
"""

from ._base import Estimator, FitConvergenceWarning
from ._baselines import LastValue
from ._bootstrap import BootstrapResult, bootstrap, resample_weights
from ._chinchilla import EPOCH_GRID, ChinchillaLaw, chinchilla_objective, epoch_start_grid
from ._compute_optimal import IsoflopResult, group_budgets, isoflop_analysis
from ._forecast import (
    BacktestResult,
    CrossingInterval,
    Forecast,
    LawEnsemble,
    LawSpread,
    RollingBacktest,
    backtest,
    combine_backtests,
    crossing_interval,
    crossing_scale,
    extrapolate,
    law_spread,
    min_points,
    origin_index,
    rolling_backtest,
)
from ._joint import KaplanLaw, KaplanStepsLaw, RosenfeldLaw
from ._lbfgs import LbfgsResult, minimize_lanes
from ._m3 import M3
from ._m4 import M2, M4
from ._sigmoid import SigmoidLogLaw
from ._single import M1, LogLinear, PowerLaw, SaturatingPowerLaw

__all__ = [
    "EPOCH_GRID",
    "BacktestResult",
    "BootstrapResult",
    "ChinchillaLaw",
    "CrossingInterval",
    "Estimator",
    "FitConvergenceWarning",
    "Forecast",
    "IsoflopResult",
    "KaplanLaw",
    "KaplanStepsLaw",
    "LastValue",
    "LawEnsemble",
    "LawSpread",
    "LbfgsResult",
    "LogLinear",
    "M1",
    "M2",
    "M3",
    "M4",
    "PowerLaw",
    "RollingBacktest",
    "RosenfeldLaw",
    "SaturatingPowerLaw",
    "SigmoidLogLaw",
    "backtest",
    "bootstrap",
    "chinchilla_objective",
    "combine_backtests",
    "crossing_interval",
    "crossing_scale",
    "epoch_start_grid",
    "extrapolate",
    "group_budgets",
    "isoflop_analysis",
    "law_spread",
    "min_points",
    "minimize_lanes",
    "origin_index",
    "resample_weights",
    "rolling_backtest",
]
