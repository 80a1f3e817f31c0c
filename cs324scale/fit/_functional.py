"""Thin functional wrappers for notebooks: build an estimator, fit it, return it."""

from __future__ import annotations

from ._chinchilla import ChinchillaLaw
from ._single import PowerLaw, SaturatingPowerLaw


def fit_power_law(x, y) -> PowerLaw:
    """``PowerLaw().fit(x, y)``: y = A x^-alpha by least squares in log-log space."""
    return PowerLaw().fit(x, y)


def fit_saturating(x, y, **kwargs) -> SaturatingPowerLaw:
    """``SaturatingPowerLaw(**kwargs).fit(x, y)``: y = E + A x^-alpha."""
    return SaturatingPowerLaw(**kwargs).fit(x, y)


def fit_chinchilla(N, D, loss, **kwargs) -> ChinchillaLaw:
    """``ChinchillaLaw(**kwargs).fit(N, D, loss)`` (Hoffmann et al. 2022, App. D.2)."""
    return ChinchillaLaw(**kwargs).fit(N, D, loss)
