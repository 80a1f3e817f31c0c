"""Many L-BFGS runs at once: a flat, vmappable L-BFGS written in JAX.

Scaling-law fits are small (a handful of parameters, a few hundred points) but need
many starting points, because their objectives have many local minima (Hoffmann et al.
2022, Appendix D.2, start L-BFGS from a grid of 4500 points). Running one scipy call per
start spends nearly all its time in Python. Here every start is one *lane* of a single
jitted program, ``jax.vmap`` runs the lanes side by side, and bootstrap resamples are
simply more lanes (each lane carries its own point weights).

The solver is "flat": every pass of the ``while_loop`` does exactly one objective and
gradient evaluation per lane. A lane either accepts its trial step (Armijo condition) and
computes the next L-BFGS direction (two-loop recursion, Nocedal & Wright 2006, Alg. 7.4),
or shrinks the step. There is no nested line-search loop, so under ``vmap`` one slow lane
never makes all the others evaluate their objective many extra times per iteration.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

_ARMIJO_C1 = 1e-4
_MIN_STEP = 1e-20


def _enable_x64():
    """A local float64 context: ``jax.enable_x64`` (jax >= 0.8), else the experimental one."""
    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(True)
    from jax.experimental import enable_x64  # jax 0.7.x, as on Colab

    return enable_x64(True)


class LbfgsResult(NamedTuple):
    """Result of :func:`minimize_lanes`; every field has the lane axis first.

    Attributes:
        x: (L, P) final parameters.
        fun: (L,) final objective values (``inf`` where the start was not finite).
        converged: (L,) True where a stopping test (gradient or relative decrease) was
            met, False where the lane hit ``max_evals`` or its line search failed away
            from a stationary point.
        n_evals: (L,) objective evaluations used.
    """

    x: np.ndarray
    fun: np.ndarray
    converged: np.ndarray
    n_evals: np.ndarray


class _State(NamedTuple):
    x: jax.Array  # (P,) current accepted point
    f: jax.Array  # () objective at x
    g: jax.Array  # (P,) gradient at x
    d: jax.Array  # (P,) search direction
    t: jax.Array  # () trial step length along d
    S: jax.Array  # (m, P) ring buffer of steps s_k
    Y: jax.Array  # (m, P) ring buffer of gradient changes y_k
    rho: jax.Array  # (m,) 1 / (s_k . y_k); 0 marks an empty slot
    ptr: jax.Array  # () next slot to write
    gamma: jax.Array  # () initial inverse-Hessian scale s.y / y.y
    n_evals: jax.Array  # () evaluations so far
    done: jax.Array  # () lane finished
    converged: jax.Array  # () lane finished because a stopping test was met


def _two_loop(g, S, Y, rho, ptr, gamma):
    """Return -H g with H the L-BFGS inverse-Hessian approximation (N&W Alg. 7.4)."""
    m = S.shape[0]

    def first(i, carry):
        q, alphas = carry
        j = (ptr - 1 - i) % m  # newest to oldest
        a = rho[j] * jnp.dot(S[j], q)
        return q - a * Y[j], alphas.at[j].set(a)

    q, alphas = jax.lax.fori_loop(0, m, first, (g, jnp.zeros(m, g.dtype)))
    r = gamma * q

    def second(i, r):
        j = (ptr + i) % m  # oldest to newest
        b = rho[j] * jnp.dot(Y[j], r)
        return r + S[j] * (alphas[j] - b)

    r = jax.lax.fori_loop(0, m, second, r)
    return -r


def _first_step(g):
    return jnp.minimum(1.0, 1.0 / jnp.maximum(jnp.linalg.norm(g), 1e-300))


def _value_and_grad(objective, data, w):
    return jax.value_and_grad(lambda th: objective(th, data, w))


def _init_lane(objective, data, x0, w, *, memory, gtol):
    P = x0.shape[0]
    f0, g0 = _value_and_grad(objective, data, w)(x0)
    finite0 = jnp.isfinite(f0) & jnp.all(jnp.isfinite(g0))
    f0 = jnp.where(finite0, f0, jnp.inf)
    g0 = jnp.where(finite0, g0, 0.0)
    small0 = jnp.max(jnp.abs(g0)) <= gtol
    return _State(
        x=x0,
        f=f0,
        g=g0,
        d=-g0,
        t=_first_step(g0),
        S=jnp.zeros((memory, P), x0.dtype),
        Y=jnp.zeros((memory, P), x0.dtype),
        rho=jnp.zeros(memory, x0.dtype),
        ptr=jnp.array(0, jnp.int32),
        gamma=jnp.array(1.0, x0.dtype),
        n_evals=jnp.array(1, jnp.int32),
        done=~finite0 | small0,
        converged=finite0 & small0,
    )


def _step_lane(objective, data, w, s: _State, *, max_evals, gtol, ftol) -> _State:
    """One objective evaluation: try ``x + t d``; accept it or shrink ``t``."""
    memory = s.S.shape[0]
    xt = s.x + s.t * s.d
    ft, gt = _value_and_grad(objective, data, w)(xt)
    gd = jnp.dot(s.g, s.d)
    finite = jnp.isfinite(ft) & jnp.all(jnp.isfinite(gt))
    accept = finite & (ft <= s.f + _ARMIJO_C1 * s.t * gd)

    # accepted step: update the history and compute the next direction
    step = xt - s.x
    yk = gt - s.g
    sy = jnp.dot(step, yk)
    yy = jnp.dot(yk, yk)
    good_pair = sy > 1e-12 * jnp.sqrt(jnp.dot(step, step) * yy)
    S_new = jnp.where(good_pair, s.S.at[s.ptr].set(step), s.S)
    Y_new = jnp.where(good_pair, s.Y.at[s.ptr].set(yk), s.Y)
    rho_new = jnp.where(good_pair, s.rho.at[s.ptr].set(1.0 / jnp.where(good_pair, sy, 1.0)), s.rho)
    ptr_new = jnp.where(good_pair, (s.ptr + 1) % memory, s.ptr)
    gamma_new = jnp.where(good_pair, sy / jnp.where(good_pair, yy, 1.0), s.gamma)
    d_new = _two_loop(gt, S_new, Y_new, rho_new, ptr_new, gamma_new)
    descent = jnp.dot(d_new, gt) < 0
    d_new = jnp.where(descent, d_new, -gt)
    rho_new = jnp.where(descent, rho_new, 0.0)
    gamma_new = jnp.where(descent, gamma_new, 1.0)
    t_new = jnp.where(descent, 1.0, _first_step(gt))
    scale = jnp.maximum(jnp.maximum(jnp.abs(s.f), jnp.abs(ft)), 1e-300)
    conv_acc = (jnp.max(jnp.abs(gt)) <= gtol) | ((s.f - ft) <= ftol * scale)

    # rejected step: shrink by safeguarded quadratic interpolation, or restart
    denom = 2.0 * (ft - s.f - gd * s.t)
    ok_quad = finite & (denom > 0)
    t_quad = jnp.where(ok_quad, -gd * s.t**2 / jnp.where(ok_quad, denom, 1.0), 0.1 * s.t)
    t_shrunk = jnp.clip(t_quad, 0.1 * s.t, 0.5 * s.t)
    tiny = s.t * jnp.linalg.norm(s.d) <= _MIN_STEP + 1e-15 * jnp.linalg.norm(s.x)
    steepest = jnp.all(s.rho == 0)
    restart = tiny & ~steepest  # drop the history and try steepest descent once
    fail = tiny & steepest

    evals = s.n_evals + 1
    out_of_budget = evals >= max_evals
    rej = _State(
        x=s.x,
        f=s.f,
        g=s.g,
        d=jnp.where(restart, -s.g, s.d),
        t=jnp.where(restart, _first_step(s.g), t_shrunk),
        S=s.S,
        Y=s.Y,
        rho=jnp.where(restart, 0.0, s.rho),
        ptr=s.ptr,
        gamma=jnp.where(restart, 1.0, s.gamma),
        n_evals=evals,
        done=fail | out_of_budget,
        # no decrease even along -g with a step at rounding level: a stationary point up
        # to float64 precision if the gradient is tiny relative to the objective
        converged=fail & (jnp.max(jnp.abs(s.g)) <= 1e-6 * (jnp.abs(s.f) + 1e-10)),
    )
    acc = _State(
        x=xt,
        f=ft,
        g=gt,
        d=d_new,
        t=t_new,
        S=S_new,
        Y=Y_new,
        rho=rho_new,
        ptr=ptr_new,
        gamma=gamma_new,
        n_evals=evals,
        done=conv_acc | out_of_budget,
        converged=conv_acc,
    )
    return jax.tree.map(lambda a, r: jnp.where(accept, a, r), acc, rej)


@functools.partial(jax.jit, static_argnames=("objective", "memory", "gtol"))
def _init(objective, data, x0, weights, lane_rows, *, memory, gtol):
    init = functools.partial(_init_lane, objective, data, memory=memory, gtol=gtol)
    return jax.vmap(lambda x, i: init(x, weights[i]))(x0, lane_rows)


@functools.partial(jax.jit, static_argnames=("objective", "chunk", "max_evals", "gtol", "ftol"))
def _advance(objective, data, weights, lane_rows, state, *, chunk, max_evals, gtol, ftol):
    """Run every lane for up to ``chunk`` more evaluations (or until it is done)."""

    def lane(s, i):
        w = weights[i]
        step = functools.partial(
            _step_lane, objective, data, w, max_evals=max_evals, gtol=gtol, ftol=ftol
        )
        stop_at = s.n_evals + chunk
        return jax.lax.while_loop(lambda s: ~s.done & (s.n_evals < stop_at), step, s)

    return jax.vmap(lane)(state, lane_rows)


def _bucket(n_active: int, n_lanes: int) -> int:
    """Lane count to run: ``n_lanes`` or a power of 4 (few distinct compiled shapes)."""
    size = 256
    while size < n_active:
        size *= 4
    return min(size, n_lanes)


def _pad_points(data: tuple, weights: np.ndarray) -> tuple[tuple, np.ndarray]:
    """Pad the point axis to a power of two (at least 8) with zero-weight copies of the last point.

    Every objective is a weighted sum over points, so a zero-weight copy changes nothing,
    while the few padded lengths let one compiled program serve data sets of many sizes
    (a backtest fits curves of 20 different lengths). Arrays in ``data`` whose leading
    axis has the points' length ``n`` are per-point; others (scalars) are left alone.
    """
    n = weights.shape[1]
    size = max(8, 1 << (n - 1).bit_length())
    if size == n:
        return data, weights
    pad = size - n

    def grow(a):
        a = np.asarray(a)
        if a.ndim and a.shape[0] == n:
            return np.concatenate([a, np.repeat(a[-1:], pad, axis=0)])
        return a

    return tuple(grow(a) for a in data), np.pad(weights, ((0, 0), (0, pad)))


def minimize_lanes(
    objective: Callable,
    data: tuple,
    x0,
    weights,
    lane_rows=None,
    *,
    memory: int = 10,
    max_evals: int = 3000,
    gtol: float = 1e-10,
    ftol: float = 1e-12,
    chunk: int = 50,
) -> LbfgsResult:
    """Minimise ``objective`` from many starts (and weightings) at once, in float64.

    Args:
        objective: ``objective(theta, data, w) -> scalar``, a pure jax function of
            ``theta`` (P,), the ``data`` tuple and point weights ``w`` (n,), in which a
            point of weight 0 counts for nothing (a weighted sum or mean). It must be a
            module-level function (it is a static argument of ``jax.jit``).
        data: tuple of arrays shared by all lanes (e.g. log N, log D, log loss); the
            point axis is padded with zero-weight points (see :func:`_pad_points`).
        x0: (L, P) starting points, one per lane.
        weights: (R, n) point weights; lane ``l`` uses row ``lane_rows[l]`` (bootstrap
            resamples are multinomial count weights).
        lane_rows: (L,) int row index into ``weights`` per lane; all zeros by default.
        memory: number of (s, y) pairs kept by L-BFGS.
        max_evals: objective evaluations allowed per lane.
        gtol: stop when max |gradient| <= gtol.
        ftol: stop when an accepted step lowers the objective by at most
            ``ftol * |f|`` (purely relative, so a small objective value does not stop
            the run early, unlike scipy's ``max(|f|, 1)`` denominator).
        chunk: evaluations between compactions: after each chunk the finished lanes
            are dropped and the rest are packed into a smaller batch, so a few slow
            lanes do not keep the whole batch busy.

    Returns:
        :class:`LbfgsResult` with (L, ...) numpy arrays.
    """
    x0 = np.asarray(x0, dtype=np.float64)
    n_lanes = x0.shape[0]
    if lane_rows is None:
        lane_rows = np.zeros(n_lanes, dtype=np.int32)
    lane_rows = np.asarray(lane_rows, dtype=np.int32)
    data, weights = _pad_points(data, np.atleast_2d(np.asarray(weights, dtype=np.float64)))
    with _enable_x64():
        weights = jnp.asarray(np.asarray(weights, dtype=np.float64))
        data = tuple(jnp.asarray(np.asarray(a, dtype=np.float64)) for a in data)
        state = _init(
            objective,
            data,
            jnp.asarray(x0),
            weights,
            jnp.asarray(lane_rows),
            memory=memory,
            gtol=gtol,
        )
        state = jax.tree.map(np.array, state)  # host copy; lanes are gathered from it
        active = np.flatnonzero(~state.done)
        while active.size:
            size = _bucket(active.size, n_lanes)
            idx = np.concatenate([active, np.full(size - active.size, active[-1])])
            sub = jax.tree.map(lambda a, idx=idx: jnp.asarray(a[idx]), state)
            sub = _advance(
                objective,
                data,
                weights,
                jnp.asarray(lane_rows[idx]),
                sub,
                chunk=chunk,
                max_evals=max_evals,
                gtol=gtol,
                ftol=ftol,
            )
            sub = jax.tree.map(np.asarray, sub)
            for full, part in zip(state, sub, strict=True):
                full[active] = part[: active.size]
            active = np.flatnonzero(~state.done)
    return LbfgsResult(state.x, state.f, state.converged, state.n_evals)
