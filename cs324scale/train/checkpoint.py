"""Mid-call checkpoints: a running population's state, saved atomically as ``.npz`` files.

The engine (:mod:`cs324scale.train.engine`) trains a population in segments of steps
and hands control back to the host between them. Between segments a
:class:`Checkpointer` may save the population's whole state (parameters, optimizer
state and the loss of every step so far; the data position is the step itself, since
batch ``t`` is a pure function of the seed and ``t``), so that a process killed mid-call
resumes from the last save instead of from step 0. Files are plain ``numpy.savez``
archives written to a temporary name, flushed to disk and renamed over the old file
(``os.replace`` is atomic), so a kill at any moment leaves either the previous
checkpoint or the new one, never half of one.

When to save: after a segment, when ``every_s`` seconds or ``every_steps`` steps have
passed since the last save, whichever comes first, but never more often than
``max_overhead`` of the wall time allows (the interval grows to ``save time /
max_overhead`` when a state is large), so saving costs at most that fraction.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1


@dataclasses.dataclass
class Checkpointer:
    """Where and how often a population's state is saved while it trains.

    Args:
        directory: folder for the checkpoint files (created on first save).
        every_s: save when this many seconds have passed since the last save.
        every_steps: also save when this many steps have passed (None: time only).
        max_overhead: fraction of wall time saving may take (the interval stretches to
            ``last save's duration / max_overhead`` when needed).
    """

    directory: str | os.PathLike
    every_s: float = 3.0
    every_steps: int | None = None
    max_overhead: float = 0.02

    def __post_init__(self):
        self.directory = Path(self.directory)
        if not (self.every_s > 0):
            raise ValueError(f"every_s must be > 0 seconds; got {self.every_s!r}.")
        if self.every_steps is not None and int(self.every_steps) < 1:
            raise ValueError(f"every_steps must be a positive integer or None; got {self.every_steps!r}.")
        if not (0 < self.max_overhead < 1):
            raise ValueError(f"max_overhead must be between 0 and 1; got {self.max_overhead!r}.")
        self._last_t = time.monotonic()
        self._last_step = 0
        self._save_s = 0.0

    # ------------------------------------------------------------------ naming
    def path_for(self, call_id: str) -> Path:
        """The file of one compiled call (``call_id`` from :func:`call_id`)."""
        return self.directory / f"{call_id}.npz"

    # ------------------------------------------------------------------ policy
    def start(self, step: int) -> None:
        """Reset the clocks at the start (or resumption) of a call."""
        self._last_t, self._last_step = time.monotonic(), int(step)

    def due(self, step: int) -> bool:
        """Whether a save is due after reaching ``step``."""
        waited = time.monotonic() - self._last_t
        interval = max(self.every_s, self._save_s / self.max_overhead)
        by_steps = self.every_steps is not None and step - self._last_step >= self.every_steps
        return waited >= interval or by_steps

    def seconds_until_due(self) -> float:
        """Seconds until the time criterion fires (the engine sizes segments with it)."""
        interval = max(self.every_s, self._save_s / self.max_overhead)
        return max(0.0, interval - (time.monotonic() - self._last_t))

    # ------------------------------------------------------------------ files
    def save(self, call_id: str, step: int, arrays: dict[str, np.ndarray]) -> Path:
        """Write ``arrays`` and ``step`` atomically as ``call_id``'s checkpoint."""
        t0 = time.monotonic()
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.path_for(call_id)
        fd, tmp = tempfile.mkstemp(prefix=f".{call_id}.", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, __step__=np.int64(step), __format__=np.int64(FORMAT_VERSION), **arrays)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(self.directory)
        self._save_s = time.monotonic() - t0
        self._last_t, self._last_step = time.monotonic(), int(step)
        return final

    def load(self, call_id: str) -> tuple[int, dict[str, np.ndarray]] | None:
        """``(step, arrays)`` of ``call_id``'s checkpoint, or None if there is none.

        A file that cannot be read (from an older format, or damaged outside this
        module) is ignored: the call then starts from step 0.
        """
        path = self.path_for(call_id)
        if not path.is_file():
            return None
        try:
            with np.load(path) as z:
                if int(z["__format__"]) != FORMAT_VERSION:
                    return None
                arrays = {k: z[k] for k in z.files if not k.startswith("__")}
                return int(z["__step__"]), arrays
        except (OSError, ValueError, KeyError):
            return None

    def discard(self, call_id: str) -> None:
        """Delete ``call_id``'s checkpoint (after its trials are committed)."""
        self.path_for(call_id).unlink(missing_ok=True)


def call_id(description: dict) -> str:
    """A file name for one compiled call: SHA-256 of its JSON description (24 hex chars)."""
    return hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()[:24]


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
