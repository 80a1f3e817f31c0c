"""The experiments behind lecture 2 (hyperparameter and model scaling) and labs 2-3.

Each is registered, so a notebook loads its shipped results with
``cs.experiments.load_results(name)`` (fast mode) or reruns it with
``cs.experiments.run_experiment(name)`` (full mode). The shipped files in
``cs324scale/results/`` were produced on two CPU cores, at the largest scale that fits,
by ``python -m cs324scale.experiments NAME --fast`` (``make sweeps``), which resumes from
the store of :func:`cs324scale.storage.store_path`: every finished trial is kept, and a
call cut off mid-way continues from its last checkpoint. ``full=True`` (a GPU) uses the larger grids below.

* ``metz_sp``: a width x learning-rate x seed grid (15 widths x 12 Adam rates x 3 seeds,
  more widths than Luke Metz's 12 x 12 x 3) of a 3-layer n-gram MLP on tiny Shakespeare
  in standard parametrisation, plus two wider models on the rates around lr*
  ("On the difficulty of extrapolation with NN scaling", 2022).
* ``metz_mup``: the same 15 x 12 x 3 grid in muP (Yang et al. 2022, Tensor Programs V).
* ``metz_depth_mup``: muP MLPs of one width and 1-8 hidden layers (does lr* transfer
  across depth? one item of Metz's list of what else moves with scale).
* ``model_data_grid``: character Transformers of several widths, each trained on fresh
  windows for a long run whose loss curve gives L(N, D) for every D along the way
  (Kaplan et al. 2020; Hoffmann et al. 2022 approach 2 reads IsoFLOP slices off it).
* ``arch_transformer_lstm``: LSTMs matched in non-embedding parameters to those
  Transformers (Kaplan et al. 2020, Fig. 7).
* ``depth``: Transformers of 1 and 4 layers beside the 2-layer ones (Kaplan et al. 2020,
  Fig. 6: depth matters little at fixed non-embedding N, except one layer).
* ``optimizer_adam_sgd``: the Metz MLP trained with SGD + momentum beside Adam.
* ``compute_optimal``: IsoFLOP profiles on the Zipf-phrase language (Hoffmann et al.
  2022): every (width, budget) is its own warmup + cosine run, reading fresh tokens
  once, in order, over four learning rates.
* ``data_limited`` (in :mod:`~cs324scale.experiments.data_limited`): early-stopped
  Transformers on the first D characters, repeated (Kaplan et al. 2020, Sec. 4).
"""

from __future__ import annotations

from ..train import (
    CharData,
    MLPConfig,
    TransformerConfig,
    ZipfPhrases,
    matching_lstm,
    metz_grid,
    run_sweep,
    sgd,
    warmup_cosine,
)
from ..train.flops import flops_per_step
from ..train.loop import tokens_read
from ..train.results import SweepResults
from ..train.sweep import METZ_LEARNING_RATES, METZ_SEEDS, METZ_WIDTHS
from .registry import register_experiment

# The Metz task, chosen by measurement (tools/probe_metz_task.py): with a context of 8
# characters, 2000 Adam steps of batch 128 and warmup + cosine decay, the best-tuned loss
# keeps falling up to the widest model (with 300 constant-rate steps it stopped at ~91).
METZ_WIDTHS_CPU = (8, 11, 16, 23, 32, 45, 64, 91, 128, 181, 256, 362, 512, 724, 1024)
# Two wider SP models, 8x beyond the widest fitted width (256), on the 5 rates around
# lr* and the fixed rate (the whole 12-rate row would cost 2.4x as much; full mode runs it).
METZ_WIDE = (1448, 2048)
METZ_WIDE_LRS = METZ_LEARNING_RATES[3:8]
METZ_STEPS = 2000  # optimiser steps per trial (Metz: 30k)
METZ_BATCH = 128
METZ_WARMUP = 0.05  # fraction of the steps spent warming up, then cosine decay to 0
METZ_EVAL_SIZE = 8192  # validation windows: seed noise, not evaluation noise, dominates
MUP_BASE_WIDTH = 64  # muP and SP coincide at this width
# One item of Metz's open list: does muP's lr* also transfer across depth? (Width 256,
# 1-8 hidden layers; muP as implemented scales with width only.)
DEPTH_MUP_WIDTH = 256
DEPTH_MUP_DEPTHS = (1, 2, 3, 4, 6, 8)
DEPTH_MUP_LRS = METZ_LEARNING_RATES[4:11]
DEPTH_MUP_SEEDS = (0, 1)

# The optimizer comparison keeps the earlier short constant-rate task.
OPT_STEPS = 300
FULL_OPT_STEPS = 3000

# Character LM for the design-procedure and compute experiments.
LM_CONTEXT = 32  # characters per training window
LM_BATCH = 16  # windows per step: 512 predicted tokens per step
LM_STEPS = 2000  # ~1M tokens, about one pass over tiny Shakespeare's training text
LM_WIDTHS = (8, 12, 16, 24, 32, 48, 64, 96)  # Transformer d_model
FULL_LM_WIDTHS = (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)
ARCH_WIDTHS = (16, 32, 64, 96)  # Transformer d_model of the architecture comparison
LM_LRS = (1e-3, 3e-3, 1e-2)
# The design comparisons tune every configuration over a wider ladder, so that each best
# rate is bracketed: with LM_LRS the widest Transformers wanted less than 1e-3 and the
# small Transformers and LSTMs more than 1e-2. LSTMs take larger Adam rates.
DESIGN_LRS = (3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
LSTM_LRS = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
DEPTH_WIDTHS = (16, 32, 64, 96)  # Transformer d_model of the depth comparison
LM_CURVE_POINTS = 100
# Small models are cheap per token and reach the compute optimum only after many
# tokens, so they train longer (several passes for the tiniest; harmless at ~2k params).
LM_STEPS_BY_WIDTH = {8: 4 * LM_STEPS, 12: 3 * LM_STEPS, 16: 2 * LM_STEPS, 24: 3 * LM_STEPS // 2}

SGD_MOMENTUM = 0.9
SGD_LRS = (0.01, 0.03, 0.1, 0.3, 1.0)
OPT_WIDTHS = (16, 32, 64, 128, 256)
OPT_ADAM_LRS = METZ_LEARNING_RATES[4:10]  # the region around Adam's optimum


def metz_run(widths, learning_rates=METZ_LEARNING_RATES, seeds=METZ_SEEDS, *,
             parametrization: str = "standard", depth: int = 3, store=None,
             **kwargs) -> SweepResults:
    """:func:`~cs324scale.train.metz_grid` with the lecture's task settings (context 8,
    :data:`METZ_STEPS` warmup + cosine steps of :data:`METZ_BATCH` windows)."""
    return metz_grid(
        widths,
        learning_rates,
        seeds,
        steps=METZ_STEPS,
        depth=depth,
        parametrization=parametrization,
        base_width=MUP_BASE_WIDTH,
        batch_size=METZ_BATCH,
        schedule=warmup_cosine(warmup=METZ_WARMUP),
        curve_points=25,
        eval_size=METZ_EVAL_SIZE,
        store=store,
        **kwargs,
    )


def _metz(parametrization: str, *, full: bool, store):
    res = metz_run(METZ_WIDTHS_CPU, parametrization=parametrization, store=store)
    if parametrization != "standard" and not full:
        return res
    wide = metz_run(METZ_WIDE, METZ_LEARNING_RATES if full else METZ_WIDE_LRS,
                    parametrization=parametrization, store=store, max_trials_per_call=5)
    return SweepResults.from_records(res.to_records() + wide.to_records())


@register_experiment("metz_sp")
def metz_sp(*, full: bool, store=None) -> SweepResults:
    """Metz's width x learning-rate x seed grid, standard parametrisation, to width 2048."""
    return _metz("standard", full=full, store=store)


@register_experiment("metz_mup")
def metz_mup(*, full: bool, store=None) -> SweepResults:
    """The same grid in muP (Yang et al. 2022), base width :data:`MUP_BASE_WIDTH`, to 1024.

    Full mode adds the two wide models on every rate, as for SP.
    """
    return _metz("mup", full=full, store=store)


@register_experiment("metz_depth_mup")
def metz_depth_mup(*, full: bool, store=None) -> SweepResults:
    """muP MLPs of width 256 and 1-8 hidden layers: does lr* move with depth?"""
    records = []
    for depth in DEPTH_MUP_DEPTHS:
        records += metz_run((DEPTH_MUP_WIDTH,), DEPTH_MUP_LRS, DEPTH_MUP_SEEDS, parametrization="mup",
                            depth=depth, store=store).to_records()
    return SweepResults.from_records(records)


def lm_sweep(configs, learning_rates=LM_LRS, *, store=None, steps=LM_STEPS, **kwargs):
    """Train character-LM configs with the lecture's LM settings (context, batch, curve)."""
    return run_sweep(
        configs,
        learning_rates,
        (0,),
        steps=steps,
        batch_size=LM_BATCH,
        curve_points=LM_CURVE_POINTS,
        store=store,
        **kwargs,
    )


def transformer(d_model: int, n_layer: int = 2) -> TransformerConfig:
    """The lecture's character Transformer of width ``d_model`` (4 heads, context 32)."""
    return TransformerConfig(d_model=d_model, n_layer=n_layer, n_head=4, context=LM_CONTEXT)


@register_experiment("model_data_grid")
def model_data_grid(*, full: bool, store=None) -> SweepResults:
    """2-layer Transformers x learning rates; each curve gives L(N, D) along training.

    Widths below 32 train for longer (:data:`LM_STEPS_BY_WIDTH`), so that IsoFLOP
    slices at larger budgets still contain small models.
    """
    records = []
    for d in FULL_LM_WIDTHS if full else LM_WIDTHS:
        steps = LM_STEPS_BY_WIDTH.get(d, LM_STEPS) * (4 if full else 1)
        records += lm_sweep([transformer(d)], store=store, steps=steps).to_records()
    return SweepResults.from_records(records)


@register_experiment("arch_transformer_lstm")
def arch_transformer_lstm(*, full: bool, store=None) -> SweepResults:
    """Transformers and LSTMs of matching non-embedding size (Kaplan et al. 2020, Fig. 7)."""
    widths = FULL_LM_WIDTHS[2:] if full else ARCH_WIDTHS
    steps = LM_STEPS * (4 if full else 1)
    tf = lm_sweep([transformer(d) for d in widths], DESIGN_LRS, store=store, steps=steps)
    lstm = lm_sweep([matching_lstm(transformer(d)) for d in widths], LSTM_LRS, store=store, steps=steps)
    return SweepResults.from_records(tf.to_records() + lstm.to_records())


@register_experiment("depth")
def depth(*, full: bool, store=None) -> SweepResults:
    """Transformers of 1, 2 and 4 layers over widths (Kaplan et al. 2020, Fig. 6)."""
    widths = FULL_LM_WIDTHS if full else DEPTH_WIDTHS
    configs = [transformer(d, n) for n in (1, 2, 4) for d in widths]
    return lm_sweep(configs, DESIGN_LRS, store=store, steps=LM_STEPS * (4 if full else 1))


@register_experiment("optimizer_adam_sgd")
def optimizer_adam_sgd(*, full: bool, store=None) -> SweepResults:
    """The Metz MLP at five widths under Adam and under SGD + momentum 0.9."""
    widths = METZ_WIDTHS[1::2] if full else OPT_WIDTHS
    configs = [MLPConfig(width=w, base_width=MUP_BASE_WIDTH) for w in widths]
    common = dict(
        steps=FULL_OPT_STEPS if full else OPT_STEPS,
        batch_size=METZ_BATCH,
        curve_points=25,
        store=store,
    )
    adam = run_sweep(configs, OPT_ADAM_LRS, (0,), **common)
    sgd_runs = run_sweep(configs, SGD_LRS, (0,), optimizer=sgd(momentum=SGD_MOMENTUM), **common)
    return SweepResults.from_records(adam.to_records() + sgd_runs.to_records())


# Compute-optimal study (lecture 2 part 5, lab 3). Budgets are model FLOPs
# (cs.train.trial_flops), five of them spanning 33x; each budget trains six widths of the
# ladder around its optimum (tools/probe_isoflop_zipf.py found the minimum at d_model 24
# for 1e11 and 32 for 3e11), each width over four peak rates, one seed.
CO_LADDER = (8, 12, 16, 24, 32, 48, 64, 96)
CO_BUDGETS = (3e10, 7e10, 1.6e11, 4e11, 1e12)
CO_WINDOWS = ((0, 6), (0, 6), (1, 7), (1, 7), (2, 8))  # slice of CO_LADDER per budget
CO_LRS = (3e-3, 1e-2, 3e-2, 1e-1)
CO_WARMUP = 0.05
CO_CURVE_POINTS = 100
CO_EVAL_SIZE = 4096
# Full mode (an accelerator): 10x the budgets, the ladder two steps wider.
FULL_CO_LADDER = CO_LADDER + (128, 192)
FULL_CO_BUDGETS = tuple(10 * c for c in CO_BUDGETS)
FULL_CO_WINDOWS = tuple((lo + 2, hi + 2) for lo, hi in CO_WINDOWS)


def compute_optimal_grid(full: bool = False) -> list[tuple[float, TransformerConfig, int]]:
    """The ``(budget, config, steps)`` runs of ``compute_optimal``: ``steps = C // flops_per_step``."""
    ladder, budgets, windows = (
        (FULL_CO_LADDER, FULL_CO_BUDGETS, FULL_CO_WINDOWS) if full else (CO_LADDER, CO_BUDGETS, CO_WINDOWS)
    )
    runs = []
    for C, (lo, hi) in zip(budgets, windows, strict=True):
        for d in ladder[lo:hi]:
            cfg = transformer(d)
            runs.append((C, cfg, int(C // flops_per_step(cfg, LM_BATCH))))
    return runs


def compute_optimal_corpus(full: bool = False) -> CharData:
    """The Zipf-phrase corpus every ``compute_optimal`` run reads: as many fresh tokens as
    the longest run reads, so that no run sees a token twice."""
    longest = max(steps for _, _, steps in compute_optimal_grid(full))
    return ZipfPhrases().corpus(tokens_read(LM_CONTEXT + 1, LM_BATCH, longest))


def compute_optimal_run(cfg, steps: int, data: CharData, learning_rates=CO_LRS, seeds=(0,), *,
                        store=None, **kwargs) -> SweepResults:
    """One ``compute_optimal`` point: ``cfg`` for ``steps`` warmup + cosine steps, sequential."""
    return run_sweep(
        cfg,
        learning_rates,
        seeds,
        steps=steps,
        batch_size=LM_BATCH,
        data=data,
        schedule=warmup_cosine(warmup=CO_WARMUP),
        sampling="sequential",
        curve_points=CO_CURVE_POINTS,
        eval_size=CO_EVAL_SIZE,
        store=store,
        **kwargs,
    )


@register_experiment("compute_optimal")
def compute_optimal(*, full: bool, store=None) -> SweepResults:
    """IsoFLOP profiles: every (budget, width) its own schedule-matched run, no token repeated."""
    data = compute_optimal_corpus(full)
    records = []
    for _, cfg, steps in compute_optimal_grid(full):
        records += compute_optimal_run(cfg, steps, data, store=store).to_records()
    return SweepResults.from_records(records)


LECTURE_EXPERIMENTS = (
    "metz_sp",
    "metz_mup",
    "metz_depth_mup",
    "model_data_grid",
    "arch_transformer_lstm",
    "depth",
    "optimizer_adam_sgd",
    "compute_optimal",
    "data_limited",  # cs324scale.experiments.data_limited (part 6)
    "batch_size",  # cs324scale.experiments.batch_size (batch size: steps vs examples)
)
