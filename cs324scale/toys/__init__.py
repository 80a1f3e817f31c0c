"""Toy generators whose learning curves are scaling laws (CS324 Week 6, lecture 1).

Every generator is a pure function of its arguments: sizes and settings in, a learning
curve out, randomness from an explicit keyword-only ``key`` (an int seed or a jax PRNG
key, converted by :func:`cs324scale._random.as_generator`). Trials and sample sizes are computed together in array
operations (nested designs: the first ``n`` points of one stream per trial).

One module per idea:

* :mod:`~cs324scale.toys.mean_estimation`: ``MSE = sigma^2 / n``.
* :mod:`~cs324scale.toys.regression`: least squares, ``p sigma^2 / n``.
* :mod:`~cs324scale.toys.box`: the box estimator, ``n^(-2/(d+2))`` against the
  lecture's ``n^(-1/d)``.
* :mod:`~cs324scale.toys.intrinsic_dimension`: 1-NN on a k-manifold, ``n^(-2/k)``.
* :mod:`~cs324scale.toys.shift`: mixtures and shift move the offset, not the slope.
* :mod:`~cs324scale.toys.subgroups`: per-group laws and data allocation.
"""

from ._common import ToyCurve
from .box import box_estimate, box_estimator_mse, box_side, rate_exponent, target
from .intrinsic_dimension import (
    intrinsic_dimension_from_slope,
    knn_rate_exponent,
    manifold_knn_mse,
)
from .mean_estimation import mean_estimation_mse, sample_mean_errors
from .regression import regression_excess_risk
from .shift import composition_mse
from .subgroups import (
    SubgroupCurves,
    equal_error_share,
    minimax_allocation,
    subgroup_allocation_mse,
)

__all__ = [
    "SubgroupCurves",
    "ToyCurve",
    "box_estimate",
    "box_estimator_mse",
    "box_side",
    "composition_mse",
    "equal_error_share",
    "intrinsic_dimension_from_slope",
    "knn_rate_exponent",
    "manifold_knn_mse",
    "mean_estimation_mse",
    "minimax_allocation",
    "rate_exponent",
    "regression_excess_risk",
    "sample_mean_errors",
    "subgroup_allocation_mse",
    "target",
]
from . import emergence  # noqa: E402,F401
