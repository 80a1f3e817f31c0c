"""A durable results store: one SQLite row per finished trial, keyed by a config hash.

Each trial is written in its own transaction (``synchronous=FULL``), so a process killed
with ``kill -9`` at any moment leaves every committed trial intact and no half-written
one; ``INSERT OR IGNORE`` on the primary key means a rerun never duplicates a trial.
Every row carries its provenance (package and jax versions, git commit, device kind,
date, wall time).
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import json
import math
import os
import sqlite3
import subprocess
from pathlib import Path

from ..storage import cpu_features

# Bump when a change alters trial results, so old rows are not reused. 2: trials train in
# segments of steps (checkpointable); vmapped populations round differently from 1's
# single program, so results agree with version 1's to within the seed spread, not bitwise.
ENGINE_VERSION = 2

_COLUMNS = (
    "key",
    "model",
    "config",
    "lr",
    "seed",
    "steps",
    "batch_size",
    "optimizer",
    "schedule",
    "dataset_size",
    "sampling",
    "final_loss",
    "train_loss",
    "diverged",
    "diverged_at",
    "curve",
    "curve_steps",
    "flops",
    "provenance",
)


def _json_safe(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def trial_key(cfg, *, lr: float, seed: int, train: dict) -> str:
    """SHA-256 (hex, 32 chars) of a trial's full description.

    Args:
        cfg: model config (a dataclass).
        lr: learning rate.
        seed: seed.
        train: every other setting that changes the result (steps, batch size, data
            fingerprint, evaluation size, ...), JSON-serialisable.
    """
    desc = {
        "model": type(cfg).__name__,
        "config": dataclasses.asdict(cfg),
        "lr": float(lr).hex(),
        "seed": int(seed),
        "train": train,
        "engine": ENGINE_VERSION,
    }
    return hashlib.sha256(json.dumps(desc, sort_keys=True).encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The git commit of the package source, or None outside a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def provenance(*, wall_time_s: float) -> dict:
    """Where and when a result was produced (stored with every trial)."""
    import jax

    from .. import __version__

    dev = jax.devices()[0]
    return {
        "package_version": __version__,
        "jax_version": jax.__version__,
        "git_commit": git_commit(),
        "device_kind": f"{dev.platform}:{dev.device_kind}",
        "device_count": len(jax.local_devices()),
        "process": f"{jax.process_index()}/{jax.process_count()}",  # jax.distributed: which process
        "cpu": cpu_features(),
        "engine": ENGINE_VERSION,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "wall_time_s": round(float(wall_time_s), 4),
    }


class ResultStore:
    """Finished trials in an SQLite file (or in memory), keyed by :func:`trial_key`.

    Args:
        path: database file (created with its folder if missing); None keeps results in
            memory for this process only.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = None if path is None else Path(path)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(":memory:" if path is None else str(self.path), timeout=60)
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS trials (key TEXT PRIMARY KEY, model TEXT, config TEXT, "
            "lr REAL, seed INTEGER, steps INTEGER, batch_size INTEGER, dataset_size INTEGER, "
            "final_loss REAL, train_loss REAL, diverged INTEGER, diverged_at INTEGER, "
            "curve TEXT, curve_steps TEXT, flops REAL, provenance TEXT, "
            "optimizer TEXT, schedule TEXT, sampling TEXT)"
        )
        have = {r[1] for r in self._conn.execute("PRAGMA table_info(trials)")}
        for col in ("optimizer", "schedule", "sampling"):  # stores older than these columns
            if col not in have:
                self._conn.execute(f"ALTER TABLE trials ADD COLUMN {col} TEXT")
        self._conn.commit()

    def __len__(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM trials").fetchone()[0]

    def __contains__(self, key: str) -> bool:
        return self._conn.execute("SELECT 1 FROM trials WHERE key=?", (key,)).fetchone() is not None

    def put(self, record: dict) -> bool:
        """Commit one finished trial in its own transaction; False if it was already there."""
        row = dict(record)
        row["config"] = json.dumps(row["config"], sort_keys=True)
        row["curve"] = json.dumps([_json_safe(float(v)) for v in row["curve"]])
        row["curve_steps"] = json.dumps([int(s) for s in row["curve_steps"]])
        row["provenance"] = json.dumps(row["provenance"], sort_keys=True)
        for k in ("optimizer", "schedule"):
            row[k] = json.dumps(row.get(k), sort_keys=True)
        row.setdefault("sampling", "random")
        row["diverged"] = int(bool(row["diverged"]))
        for k in ("final_loss", "train_loss"):
            row[k] = _json_safe(float(row[k]))
        values = tuple(row[c] for c in _COLUMNS)
        with self._conn:  # one transaction per trial
            cur = self._conn.execute(
                f"INSERT OR IGNORE INTO trials ({', '.join(_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_COLUMNS))})",
                values,
            )
        return cur.rowcount == 1

    def get_many(self, keys) -> dict[str, dict]:
        """Records for those of ``keys`` that are stored, as ``{key: record}``."""
        keys = list(keys)
        found = {}
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            q = f"SELECT {', '.join(_COLUMNS)} FROM trials WHERE key IN ({', '.join('?' * len(part))})"
            for row in self._conn.execute(q, part):
                found[row[0]] = self._decode(row)
        return found

    def records(self) -> list[dict]:
        """Every stored record, in insertion order."""
        q = f"SELECT {', '.join(_COLUMNS)} FROM trials ORDER BY rowid"
        return [self._decode(r) for r in self._conn.execute(q)]

    @staticmethod
    def _decode(row) -> dict:
        rec = dict(zip(_COLUMNS, row, strict=True))
        rec["config"] = json.loads(rec["config"])
        rec["curve"] = [math.nan if v is None else v for v in json.loads(rec["curve"])]
        rec["curve_steps"] = json.loads(rec["curve_steps"])
        rec["provenance"] = json.loads(rec["provenance"])
        for k in ("optimizer", "schedule"):
            rec[k] = None if rec[k] is None else json.loads(rec[k])
        rec["diverged"] = bool(rec["diverged"])
        rec["sampling"] = rec["sampling"] or "random"  # rows from before the column: random windows
        for k in ("final_loss", "train_loss"):
            rec[k] = math.nan if rec[k] is None else rec[k]
        return rec

    def close(self) -> None:
        """Close the database connection."""
        self._conn.close()
