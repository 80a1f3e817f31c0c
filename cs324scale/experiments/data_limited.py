"""Data-limited training: early-stopped L(N, D) on repeated data (Kaplan et al. 2020, Sec. 4).

Kaplan et al. 2020 ("Scaling Laws for Neural Language Models", arXiv:2001.08361) fit the
early-stopped loss of models of N non-embedding parameters trained on subsets of D tokens
of WebText2 with Eq. (1.5), L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D, and read
off how much data a model needs before repetition hurts it: the overfitting penalty
dL = L(N, D)/L(N, inf) - 1 (Eq. 4.3) stays below about 0.02 while D >~ 5e3 N^0.74
(Eq. 4.4).

``data_limited`` measures this on the lecture's character Transformer: widths
:data:`DL_WIDTHS` x dataset sizes :data:`DL_SIZES` (the first D training characters of
tiny Shakespeare after its blocks are shuffled once, :func:`shuffled_text`, read as
random windows, so small D repeat many epochs), at two of the model-data grid's rates
per width (:func:`learning_rates`), constant. The trainer records the
validation loss only at a run's end; with a constant rate and a seed's fixed batch keys
a run of S steps is exactly the first S steps of a longer one, so every (width, D, rate)
is trained at the stopping points :func:`stopping_steps` and those validation losses are
its validation curve. Early stopping is its minimum (:func:`early_stopped`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import as_int, as_positive_float
from ..train import CharData, param_count, run_sweep, shakespeare
from ..train.results import SweepResults
from .lecture2 import LM_BATCH, LM_CURVE_POINTS, LM_STEPS, transformer
from .registry import register_experiment

DL_WIDTHS = (12, 24, 48, 96)  # d_model of the 2-layer Transformer: 59x in non-embedding N
FULL_DL_WIDTHS = (12, 24, 48, 96, 192)
# First D training characters, 1e4 to 1e6 in factors of sqrt(10) (tiny Shakespeare's
# training text holds 1,003,855).
DL_SIZES = (10_000, 31_623, 100_000, 316_228, 1_000_000)
# Two of the model-data grid's rates (cs.experiments.lecture2.LM_LRS) per width: its two
# best at that width (d_model 12-24 did best at 3e-3 and 1e-2, 48-96 at 1e-3 and 3e-3).
DL_LRS_SMALL, DL_LRS_LARGE = (3e-3, 1e-2), (1e-3, 3e-3)
DL_LARGE_FROM = 48  # d_model from which the large-model rates apply
DL_MAX_STEPS = LM_STEPS  # the longest run: 2000 steps of 16 windows, one pass over 1e6 characters
FULL_DL_MAX_STEPS = 4 * LM_STEPS
# The training text is cut into blocks of DL_BLOCK characters, shuffled once
# (DL_SHUFFLE_SEED), so that the first D characters are a sample of the whole text: in
# text order they would be the first plays only, and a smaller D would also mean other
# plays than the validation text's, not only more repetition.
DL_BLOCK = 2048
DL_SHUFFLE_SEED = 0
DL_EVAL_SIZE = 2048  # validation windows per stopping point (65k characters)
# Stopping points: the longest run and a quarter of it; on datasets of at most
# DL_SHORT_UP_TO characters, where models overfit within a few epochs, also 1/16 and 1/64.
DL_LADDER = (1, 4)
DL_SHORT_LADDER = (16, 64)
DL_SHORT_UP_TO = 31_623


def learning_rates(d_model: int) -> tuple[float, float]:
    """The two learning rates every ``data_limited`` run of width ``d_model`` is trained at."""
    return DL_LRS_LARGE if as_int("d_model", d_model) >= DL_LARGE_FROM else DL_LRS_SMALL


def stopping_steps(dataset_size: int, *, max_steps: int = DL_MAX_STEPS) -> tuple[int, ...]:
    """Step counts at which a run on the first ``dataset_size`` characters is evaluated.

    ``max_steps`` divided by :data:`DL_LADDER` (factors of 4), and by
    :data:`DL_SHORT_LADDER` too for datasets of at most :data:`DL_SHORT_UP_TO` characters,
    ascending. With a constant rate these are points of one run's validation curve.
    """
    D = as_int("dataset_size", dataset_size)
    max_steps = as_int("max_steps", max_steps, minimum=64)
    div = DL_LADDER + (DL_SHORT_LADDER if D <= DL_SHORT_UP_TO else ())
    return tuple(sorted(max_steps // k for k in div))


def shuffled_text(data: CharData | None = None, *, block: int = DL_BLOCK, seed: int = DL_SHUFFLE_SEED) -> CharData:
    """``data`` (tiny Shakespeare by default) with its training text in shuffled blocks.

    The training tokens are cut into ``len(train) // block`` blocks of ``block``
    characters (the last ``len(train) % block`` are dropped), permuted with
    ``numpy.random.default_rng(seed)``, and joined; the validation tokens are unchanged.
    ``dataset_size=D`` then trains on D characters drawn from the whole text. A window
    crosses a block boundary with probability about ``window / block`` (1.6% here).

    Raises:
        ValueError: ``block`` < 2 or longer than the training text.
    """
    data = shakespeare() if data is None else data
    block = as_int("block", block, minimum=2)
    n = len(data.train) // block
    if n < 1:
        raise ValueError(f"block={block} is longer than the {len(data.train)} training characters.")
    order = np.random.default_rng(as_int("seed", seed, minimum=0)).permutation(n)
    train = data.train[: n * block].reshape(n, block)[order].ravel()
    return CharData(train, data.val, data.vocab, f"{data.fingerprint}-blocks{block}-seed{seed}")


def _grid(full: bool):
    widths = FULL_DL_WIDTHS if full else DL_WIDTHS
    return widths, DL_SIZES, FULL_DL_MAX_STEPS if full else DL_MAX_STEPS


@register_experiment("data_limited")
def data_limited(*, full: bool, store=None) -> SweepResults:
    """2-layer Transformers x first-D-character datasets x stopping points (Kaplan Sec. 4)."""
    widths, sizes, max_steps = _grid(full)
    data = shuffled_text()
    records = []
    for d in widths:
        for D in sizes:
            for steps in stopping_steps(D, max_steps=max_steps):
                records += run_sweep(
                    [transformer(d)], learning_rates(d), (0,), steps=steps, batch_size=LM_BATCH,
                    data=data, dataset_size=D, curve_points=min(LM_CURVE_POINTS, steps), eval_size=DL_EVAL_SIZE,
                    store=store, progress=False,
                ).to_records()
    return SweepResults.from_records(records)


class EarlyStopped(NamedTuple):
    """The early-stopped model x data grid of ``data_limited`` runs.

    Attributes:
        d_model: widths ``(n_N,)``.
        N: non-embedding parameters (Kaplan's count) ``(n_N,)``.
        D: dataset sizes in characters ``(n_D,)``.
        loss: early-stopped validation loss, the minimum over stopping points and rates
            ``(n_N, n_D)``.
        best_steps: the stopping point of that minimum ``(n_N, n_D)``.
        best_lr: its learning rate ``(n_N, n_D)``.
        curves: ``{(i, j): (steps (k,), loss (k,))}``, the validation curve of cell
            ``(i, j)`` at its best rate.
        turned_up: True where that curve rises after its minimum by more than ``rise``
            ``(n_N, n_D)``: the run overfits.
    """

    d_model: np.ndarray
    N: np.ndarray
    D: np.ndarray
    loss: np.ndarray
    best_steps: np.ndarray
    best_lr: np.ndarray
    curves: dict
    turned_up: np.ndarray


def early_stopped(res: SweepResults, *, rise: float = 0.01) -> EarlyStopped:
    """Early stopping on ``data_limited`` results: per (width, D), the minimum validation
    loss over its stopping points and learning rates.

    Args:
        res: results of ``data_limited`` (trials of one width share a config).
        rise: nats the curve must climb after its minimum to count as turned up.

    Raises:
        ValueError: empty results or a cell without a finite loss.
    """
    rise = as_positive_float("rise", rise)
    if len(res) == 0:
        raise ValueError("early_stopped needs data_limited results; got none.")
    widths = np.array([c.d_model for c in res.configs])
    ds = np.asarray(res.dataset_size)
    W, Ds = np.unique(widths), np.unique(ds)
    shape = (len(W), len(Ds))
    loss, best_steps, best_lr = np.full(shape, np.nan), np.zeros(shape, int), np.full(shape, np.nan)
    turned = np.zeros(shape, bool)
    curves = {}
    for i, w in enumerate(W):
        for j, D in enumerate(Ds):
            m = (widths == w) & (ds == D) & np.isfinite(res.final_loss)
            if not m.any():
                raise ValueError(f"no finite loss for d_model {w}, D = {D}.")
            k = np.flatnonzero(m)[np.argmin(res.final_loss[m])]
            lr = res.lr[k]
            c = m & (res.lr == lr)
            order = np.argsort(res.steps[c])
            st, lo = res.steps[c][order], res.final_loss[c][order]
            curves[i, j] = (st, lo)
            loss[i, j], best_steps[i, j], best_lr[i, j] = res.final_loss[k], res.steps[k], lr
            a = int(np.argmin(lo))
            turned[i, j] = bool(a < len(lo) - 1 and lo[a:].max() - lo[a] > rise)
    N = np.array([param_count(transformer(int(w)), embeddings=False) for w in W], float)
    return EarlyStopped(W, N, Ds.astype(float), loss, best_steps, best_lr, curves, turned)


def onset_measured(grid: EarlyStopped, *, penalty: float = 0.02, interpolate: bool = False) -> np.ndarray:
    """Per width, the D from which repetition stops hurting, measured on the grid.

    The measured penalty of each cell is its early-stopped loss over the largest D's
    minus 1 (Kaplan et al. 2020, Eq. 4.3, with the largest D standing in for L(N, inf)).
    The onset is the smallest D from which every larger D has a penalty <= ``penalty``;
    with ``interpolate``, the D where the penalty falls to ``penalty`` between that grid
    point and the one below it, linearly in log D (the grid point itself when the
    smallest D already qualifies).

    Returns:
        ``(n_N,)`` dataset sizes.
    """
    penalty = as_positive_float("penalty", penalty)
    excess = grid.loss / grid.loss[:, -1:] - 1
    out = np.empty(len(grid.N))
    for i, row in enumerate(excess):
        j = len(row) - 1
        while j > 0 and row[j - 1] <= penalty:
            j -= 1
        out[i] = grid.D[j]
        if interpolate and j > 0:
            t = (row[j - 1] - penalty) / (row[j - 1] - row[j])
            out[i] = float(np.exp(np.log(grid.D[j - 1]) + t * np.log(grid.D[j] / grid.D[j - 1])))
    return out
