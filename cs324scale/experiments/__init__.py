"""cs324scale.experiments: the lecture experiments, their runner and their analysis.

Course content beside the library: the experiments are built from :mod:`cs324scale.train`
(sweeps) and analysed with :mod:`cs324scale.fit` (laws); nothing in the library imports
this package.

* :mod:`~cs324scale.experiments.registry`: :func:`register_experiment`,
  :func:`run_experiment`, :func:`load_results` (shipped results), :func:`results`;
* :mod:`~cs324scale.experiments.lecture2`: the registered lecture-2 experiments and
  their grids (``metz_sp``, ``metz_mup``, ``model_data_grid``, ``arch_transformer_lstm``,
  ``depth``, ``optimizer_adam_sgd``, ``compute_optimal``);
* :mod:`~cs324scale.experiments.data_limited`: ``data_limited``, early-stopped L(N, D)
  on the first D characters (Kaplan et al. 2020, Sec. 4), and its early-stopping grid;
* :mod:`~cs324scale.experiments.analysis`: lr* trends, Metz's extrapolation, the
  model-data table;
* :mod:`~cs324scale.experiments.compute`: compute-optimal scaling from the
  ``compute_optimal`` runs, Hoffmann et al.'s three approaches with bootstrap intervals
  and the Kaplan-versus-Chinchilla ablations;
* :mod:`~cs324scale.experiments.batch_size`: the ``batch_size`` sweep (steps against
  examples to each loss, McCandlish et al. 2018) and the gradient noise scale along one
  of its runs;
* :mod:`~cs324scale.experiments.reproduction`: how a live re-run of shipped trials
  should agree with them;
* ``python -m cs324scale.experiments`` (``make sweeps``): run or resume experiments and
  write ``cs324scale/results/<name>.json``.
"""

from . import analysis, batch_size, compute, data_limited, lecture2, registry, reproduction
from .analysis import (
    Extrapolation,
    LRTrend,
    LRTrendInterval,
    ModelDataTable,
    TunedConfig,
    best_final,
    log_scatter,
    loss_at_lr,
    lr_trend,
    lr_trend_interval,
    metz_extrapolation,
    model_data_table,
    optimal_lr,
    tuning_report,
)
from .lecture2 import LECTURE_EXPERIMENTS
from .registry import (
    EXPERIMENTS,
    load_results,
    register_experiment,
    results,
    run_experiment,
    scale_note,
)
from .reproduction import (
    CROSS_BUILD_SDS,
    SAME_BUILD_TOLERANCE,
    Reproduction,
    measured_drift,
    reproduction_check,
)

__all__ = [
    "CROSS_BUILD_SDS",
    "EXPERIMENTS",
    "LECTURE_EXPERIMENTS",
    "SAME_BUILD_TOLERANCE",
    "Extrapolation",
    "LRTrend",
    "LRTrendInterval",
    "ModelDataTable",
    "TunedConfig",
    "Reproduction",
    "analysis",
    "batch_size",
    "best_final",
    "compute",
    "data_limited",
    "lecture2",
    "load_results",
    "log_scatter",
    "loss_at_lr",
    "lr_trend",
    "lr_trend_interval",
    "measured_drift",
    "metz_extrapolation",
    "model_data_table",
    "optimal_lr",
    "tuning_report",
    "register_experiment",
    "registry",
    "reproduction",
    "reproduction_check",
    "results",
    "run_experiment",
    "scale_note",
]
