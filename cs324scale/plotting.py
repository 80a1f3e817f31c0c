"""Matplotlib defaults for figures that must be readable from the back of a lecture hall."""

from __future__ import annotations

SLIDE_RC = {
    "figure.figsize": (9.0, 5.0),
    "figure.dpi": 100,
    "font.size": 15,
    "axes.titlesize": 17,
    "axes.labelsize": 16,
    "legend.fontsize": 13,
    "xtick.labelsize": 14,
    "ytick.labelsize": 14,
    "lines.linewidth": 2.5,
    "lines.markersize": 8,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.constrained_layout.use": True,
}


def use_slide_style() -> None:
    """Apply :data:`SLIDE_RC` to matplotlib (large fonts, thick lines, light grid)."""
    import matplotlib as mpl

    mpl.rcParams.update(SLIDE_RC)
