"""cs324scale.train: small JAX models and a fast, resumable, multi-device sweep engine.

Lectures 2 and 3 train many small models: Metz's width x learning-rate x seed grid,
muP versus standard parametrisation (Yang et al. 2022), Transformer versus LSTM
(Kaplan et al. 2020), model x data grids for compute-optimal fits. Notebooks only
describe the experiment::

    import cs324scale as cs

    res = cs.train.run_sweep(
        [cs.train.MLPConfig(width=w) for w in (32, 64, 128)],
        learning_rates=[1e-3, 3e-3, 1e-2],
        seeds=[0, 1],
        steps=200,
        store="sweeps.sqlite",                  # rerun: finished trials are skipped
        budget=cs.train.FlopBudget(1e13),        # prints the cost; refuses to overspend
    )
    widths, lrs, loss = res.grid("width")        # seed-mean final loss, (3, 3)
    res.curve.shape                              # (18, 50) training-loss curves
    res.diverged                                 # NaN/inf losses are recorded, not raised

Every trial is a pure function of (config, learning rate, seed). All trials of one
shape train together in compiled programs (vmapped or mapped, chosen by
:func:`~cs324scale.train.engine.trials_per_chunk`), sharded over all devices (a Colab
TPU's 8 cores, every GPU of a box, or every process's under ``jax.distributed``), in
segments of about a second with a checkpoint every few seconds
(:mod:`~cs324scale.train.checkpoint`), so a call killed mid-way resumes where it was.
On a multi-core CPU, asking jax for one CPU device per core before it starts,
``jax.config.update("jax_num_cpu_devices", 2)``, lets small trials run side by side
instead of sharing both cores.

Public API:
    - Configs: :class:`MLPConfig` (``parametrization="standard" | "mup"``),
      :class:`TransformerConfig`, :class:`LSTMConfig`, :func:`matching_lstm`.
    - Sweeps: :func:`run_sweep`, :func:`metz_grid`, :class:`SweepResults`,
      :class:`ResultStore`, :class:`FlopBudget`, :class:`BudgetExceeded`,
      :class:`Checkpointer` (mid-call checkpoints).
    - Optimizers and schedules (:mod:`~cs324scale.train.optim`): :func:`adam`,
      :func:`adamw`, :func:`sgd`, :class:`Optimizer`, :func:`register_optimizer`;
      :func:`constant`, :func:`warmup_cosine`, :func:`wsd`, :class:`Schedule`.
    - The one training loop (:mod:`~cs324scale.train.loop`) and what else steps
      through it: :func:`train_snapshots` and :func:`continuation_metrics` (weights along
      a run, for the emergence demo), :func:`coordinate_check` (muP, Yang et al. 2022).
    - Batch size (:mod:`~cs324scale.train.noise_scale`): :func:`gradient_noise_scale`,
      :func:`gradient_norms`, :class:`NoiseScale` (McCandlish et al. 2018's B_simple).
    - Models: :func:`param_count`, :func:`flops_per_token`, :func:`trial_flops`,
      :func:`register_model`.
    - Data: :func:`shakespeare` (tiny Shakespeare, char-level, train/val split, shipped),
      :func:`enwik8` (100M characters, downloaded once on request, for full mode).

The lecture experiments that use these sweeps, and their shipped results, live beside
the library in :mod:`cs324scale.experiments`.
"""

from . import corpora, data, engine, loop, lstm, mlp, noise_scale, optim, transformer
from .budget import BudgetExceeded, FlopBudget
from .checkpoint import Checkpointer
from .coordinate_check import CoordCheck, coordinate_check
from .corpora import enwik8
from .data import CharData, sample_windows, shakespeare
from .emergence import ContinuationScores, continuation_metrics, train_snapshots
from .flops import flops_per_step, flops_per_token, param_count, trial_flops
from .lstm import LSTMConfig
from .lstm import matching as matching_lstm
from .mlp import MLPConfig
from .models import Model, register_model
from .noise_scale import NoiseScale, gradient_noise_scale, gradient_norms
from .optim import (
    Optimizer,
    Schedule,
    adam,
    adamw,
    constant,
    register_optimizer,
    sgd,
    warmup_cosine,
    wsd,
)
from .results import SweepResults
from .store import ResultStore
from .sweep import METZ_LEARNING_RATES, METZ_SEEDS, METZ_WIDTHS, metz_grid, run_sweep
from .synthetic import ZipfPhrases
from .transformer import TransformerConfig

__all__ = [
    "BudgetExceeded",
    "CharData",
    "Checkpointer",
    "ContinuationScores",
    "CoordCheck",
    "FlopBudget",
    "LSTMConfig",
    "METZ_LEARNING_RATES",
    "METZ_SEEDS",
    "METZ_WIDTHS",
    "MLPConfig",
    "Model",
    "NoiseScale",
    "Optimizer",
    "ResultStore",
    "Schedule",
    "SweepResults",
    "TransformerConfig",
    "ZipfPhrases",
    "adam",
    "adamw",
    "constant",
    "continuation_metrics",
    "coordinate_check",
    "corpora",
    "data",
    "engine",
    "enwik8",
    "flops_per_step",
    "flops_per_token",
    "gradient_noise_scale",
    "gradient_norms",
    "loop",
    "lstm",
    "matching_lstm",
    "metz_grid",
    "mlp",
    "noise_scale",
    "optim",
    "param_count",
    "register_model",
    "register_optimizer",
    "run_sweep",
    "sample_windows",
    "sgd",
    "shakespeare",
    "train_snapshots",
    "transformer",
    "trial_flops",
    "warmup_cosine",
    "wsd",
]
