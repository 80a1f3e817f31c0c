"""Scaling-law fitting and forecasting (the engine every lecture shares)."""

from ._base import FitConvergenceWarning
from ._chinchilla import ChinchillaLaw, epoch_start_grid
from ._single import LogLinear, PowerLaw, SaturatingPowerLaw
