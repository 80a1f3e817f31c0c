"""Core-ipywidgets explorers that redraw a plain plotting function.

Every explorer wraps a function that a static notebook cell also calls, so slides and CI
get a real figure and nothing depends on a live widget (CONVENTIONS, section 2)::

    def plot_mse(n_max=1000, sigma=1.0): ...          # plain function
    plot_mse()                                        # static cell: the slide's figure
    cs.widgets.explorer(plot_mse,                     # live cell (slide_type "skip")
                        n_max=widgets.IntSlider(1000, 10, 10_000, description="n max"),
                        sigma=widgets.FloatSlider(1.0, 0.1, 5.0, description="sigma"))

Only core widgets (sliders, dropdowns, ``Output``) are used, so Colab needs no custom
widget manager.
"""

from __future__ import annotations

from collections.abc import Callable


def explorer(plot: Callable[..., object], **controls) -> None:
    """Show ``controls`` above an output area that redraws ``plot(**values)`` on every change.

    Args:
        plot: draws one matplotlib figure from keyword arguments.
        **controls: one ipywidgets ``ValueWidget`` per keyword argument of ``plot``.

    The explorer is displayed here and nothing is returned, so a notebook shows it once
    whether or not the call is the cell's last expression.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    if not controls:
        raise ValueError("explorer needs at least one control, e.g. n=ipywidgets.IntSlider(...).")
    bad = [k for k, c in controls.items() if not isinstance(c, w.ValueWidget)]
    if bad:
        raise ValueError(
            f"controls {bad} must be ipywidgets value widgets (IntSlider, FloatLogSlider, ...)."
        )
    out = w.Output()

    def redraw(_change=None):
        with out:
            out.clear_output(wait=True)
            plot(**{k: c.value for k, c in controls.items()})
            plt.show()

    for control in controls.values():
        control.continuous_update = False
        control.observe(redraw, names="value")
    box = w.VBox([w.HBox(list(controls.values())), out])
    box.add_class("cs324scale-explorer")
    display(box)
    redraw()
