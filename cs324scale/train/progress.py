"""The progress line of a sweep: trials done, trials in flight at their step, time left.

One ``tqdm`` bar counts trial-steps (a trial of ``S`` steps is ``S`` of them), so the
time left that ``tqdm`` estimates from its rate covers the trials still to start as well
as those in flight. A resumed sweep says what it reused: finished trials found in the
store, and steps restored from a checkpoint (those are taken off the total, so they do
not inflate the rate).
"""

from __future__ import annotations


class SweepProgress:
    """Progress of one :func:`~cs324scale.train.sweep.run_sweep` call (a context manager).

    Args:
        n_trials: trials in the grid.
        n_cached: of those, already in the store.
        steps: steps per trial.
        enabled: False: silent (``progress=False``, or not process 0).
    """

    def __init__(self, n_trials: int, n_cached: int, steps: int, *, enabled: bool):
        self.n_trials, self.steps, self.enabled = int(n_trials), int(steps), bool(enabled)
        self.done = int(n_cached)
        self.n_cached = int(n_cached)
        self.in_flight = 0
        self.call_step = 0
        self.bar = None

    def __enter__(self) -> SweepProgress:
        if not self.enabled:
            return self
        from tqdm.auto import tqdm

        if self.n_cached:
            print(f"sweep: reused {self.n_cached} of {self.n_trials} finished trials from the store; "
                  f"{self.n_trials - self.n_cached} to train")
        self.bar = tqdm(
            total=(self.n_trials - self.n_cached) * self.steps,
            unit="trial-step",
            unit_scale=True,
            bar_format="{desc} {percentage:3.0f}%|{bar}| [{elapsed}<{remaining} left]",
        )
        self._show()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()

    def _show(self) -> None:
        if self.bar is None:
            return
        flight = f", {self.in_flight} in flight at step {self.call_step}/{self.steps}" if self.in_flight else ""
        self.bar.set_description_str(f"sweep: {self.done}/{self.n_trials} trials done{flight}", refresh=True)

    def start_call(self, n: int) -> None:
        """``n`` trials start training together."""
        self.in_flight, self.call_step = int(n), 0
        self._show()

    def resumed(self, step: int) -> None:
        """The trials in flight resume at ``step`` from a checkpoint."""
        if self.bar is not None:
            self.bar.total -= self.in_flight * int(step)
            self.bar.write(f"sweep: resumed {self.in_flight} trial(s) from a checkpoint at step {step} of {self.steps}")
        self.call_step = int(step)
        self._show()

    def step(self, step: int) -> None:
        """The trials in flight reached ``step``."""
        if self.bar is not None:
            self.bar.update(self.in_flight * (int(step) - self.call_step))
        self.call_step = int(step)
        self._show()

    def end_call(self, n: int) -> None:
        """``n`` trials finished and are committed."""
        self.done += int(n)
        self.in_flight, self.call_step = 0, 0
        self._show()
