"""cs324scale.checks: feedback for the labs' check cells, one module per lab.

This is course code beside the library: it imports ``toys``, ``fit`` and ``train`` to
compute reference answers, and nothing in the library imports it::

    import cs324scale as cs
    cs.checks.lab1.check_mean_estimation(mc_mse)

* :mod:`~cs324scale.checks.lab1`: ``labs/01_data_scaling_laws`` (Monte Carlo of the
  mean, fitted slopes, the box estimator and its exponents, an intrinsic dimension).
* :mod:`~cs324scale.checks.lab2`: ``labs/02_hyperparameter_transfer`` (a vmapped
  training population, lr* per width, its trend, predictions at a larger width).
* :mod:`~cs324scale.checks.lab3`: ``labs/03_compute_optimal_scaling`` (the Huber
  objective, the Chinchilla fit, bootstrap intervals, the compute-optimal split, a
  committed prediction and the final run).
* :mod:`~cs324scale.checks.lab4`: ``labs/04_forecasting`` (a forecast with a prediction
  interval, held-out RMSE, a rolling-origin backtest against the last-value baseline,
  winners per domain, the crossing of a benchmark trend and its bootstrap interval).

Every ``check_*`` runs or inspects a student's answer. A wrong answer raises
``AssertionError`` with a message that names the likely mistake (a shape, a factor, a
sign, log base, a confidence interval where a prediction interval was asked for) without
giving the expected value away; a right one prints one line starting with ``OK:``.
"""

from . import lab1, lab2, lab3, lab4

__all__ = ["lab1", "lab2", "lab3", "lab4"]
