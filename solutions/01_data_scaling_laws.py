# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # Lab 1: Data scaling laws
#
# Implement the toy experiments of lecture 1 yourself, measure their exponents with
# `cs324scale.fit`, and read an intrinsic dimension off a fitted slope.

# %% tags=["colab-setup"] slideshow={"slide_type": "skip"}
# Filled in by tools/build_notebooks.py.

# %% slideshow={"slide_type": "skip"}
import matplotlib.pyplot as plt
import numpy as np

import cs324scale as cs

cs.plotting.use_slide_style()

# %% slideshow={"slide_type": "skip"}
# Experiment sizes: fast mode (CI, laptops) or full mode (Colab).
MEAN_NS = np.unique(np.logspace(1, 4, 10).astype(int))
MEAN_TRIALS = cs.scale.pick(fast=1000, full=5000)
SIGMA = 2.0
BOX_NS = cs.scale.pick(fast=np.logspace(2.5, 4.3, 6), full=np.logspace(2.5, 5, 8)).astype(int)
BOX_TRIALS = cs.scale.pick(fast=6, full=20)
BOX_DIMS = (1, 2, 3)
N_TEST = 2000
KNN_NS = cs.scale.pick(fast=np.logspace(2, 3.7, 6), full=np.logspace(2, 4.3, 8)).astype(int)
SEED = 0

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Task 1: the Monte Carlo of mean estimation
#
# Write `mc_mse(ns, *, sigma, trials, rng)`: for each `n` in `ns`, draw `trials` data
# sets of `n` points from $N(0, \sigma^2)$ with the NumPy generator `rng`, and return the
# average over trials of $(\bar x - 0)^2$, one number per `n` (shape `(len(ns),)`).
# Vectorise over trials (one array of shape `(trials, n)` per `n`).

# %% slideshow={"slide_type": "subslide"}
def mc_mse(ns, *, sigma, trials, rng):
    ### BEGIN SOLUTION
    ### HINT: for each n: x = sigma * rng.standard_normal((trials, n)); square the row means; average over trials.
    errors = []
    for n in ns:
        x = sigma * rng.standard_normal((trials, n))
        errors.append(np.mean(x.mean(axis=1) ** 2))
    return np.array(errors)
    ### END SOLUTION


# %% [markdown] slideshow={"slide_type": "fragment"}
# Check: your function against $\sigma^2/n$, with an explanation if it disagrees.

# %% slideshow={"slide_type": "fragment"}
cs.toys.checks.check_mean_estimation(mc_mse)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Task 2: fit the law
#
# Run `mc_mse` on `MEAN_NS` with `sigma = SIGMA`, fit `err = A n^(-alpha)` with
# `cs.fit.PowerLaw()`, and set `slope` (that is, $-\alpha$) and `intercept`
# ($\log A$). The lecture predicts $-1$ and $\log\sigma^2$.

# %% slideshow={"slide_type": "subslide"}
mean_err = mc_mse(MEAN_NS, sigma=SIGMA, trials=MEAN_TRIALS, rng=np.random.default_rng(SEED))
### BEGIN SOLUTION
### HINT: law = cs.fit.PowerLaw().fit(x, y) gives law.alpha_ and law.A_.
law = cs.fit.PowerLaw().fit(MEAN_NS, mean_err)
slope, intercept = -law.alpha_, np.log(law.A_)
### END SOLUTION
print(f"slope = {slope:.3f}, intercept = {intercept:.3f}")

# %% slideshow={"slide_type": "fragment"}
cs.toys.checks.check_slope(slope, -1.0, tol=0.05, what="the mean-estimation slope")
cs.toys.checks.check_slope(intercept, np.log(SIGMA**2), tol=0.15, what="the intercept log A")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Task 3: the box estimator
#
# Write `box_predict(x_train, y_train, x_query, side)` for one data set: `x_train` is
# `(n, d)` in $[0,1]^d$, `y_train` is `(n,)`, `x_query` is `(q, d)`. Box $k$ along an
# axis is $[k\,h, (k+1)\,h)$ with $h$ = `side`; there are `ceil(1/side)` boxes per axis
# (the last one is cut off at 1, and a point at exactly 1 belongs to it). Predict, for
# each query point, the mean of `y_train` over the training points in its box, and 0
# for a box with no training points. Return shape `(q,)`.

# %% slideshow={"slide_type": "subslide"}
def box_predict(x_train, y_train, x_query, side):
    ### BEGIN SOLUTION
    ### HINT: cell = clip(floor(x / side), 0, m - 1) per axis; flatten with powers of m; np.bincount sums per box.
    m = int(np.ceil(1.0 / side - 1e-9))
    powers = m ** np.arange(x_train.shape[1])

    def box_of(x):
        return np.clip(np.floor(x / side).astype(int), 0, m - 1) @ powers

    sums = np.bincount(box_of(x_train), weights=y_train, minlength=m ** x_train.shape[1])
    counts = np.bincount(box_of(x_train), minlength=m ** x_train.shape[1])
    means = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    return means[box_of(x_query)]
    ### END SOLUTION


# %% slideshow={"slide_type": "fragment"}
cs.toys.checks.check_box_estimator(box_predict)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Task 4: the exponent depends on d
#
# Write `box_mse(n, d, rng)`: draw `n` training points $x \sim U[0,1]^d$ with
# $y = f(x) + N(0, 1)$ (`f = cs.toys.target`), fit your box estimator with the textbook
# side $h = n^{-1/(d+2)}$, and return the mean of $(\hat f(x) - f(x))^2$ over `N_TEST`
# fresh test points. The next cell averages it over trials and fits a slope per $d$.

# %% slideshow={"slide_type": "subslide"}
def box_mse(n, d, rng):
    ### BEGIN SOLUTION
    ### HINT: score against the noiseless f on fresh uniform test points, not against noisy y.
    x = rng.random((n, d))
    y = cs.toys.target(x) + rng.standard_normal(n)
    x_test = rng.random((N_TEST, d))
    pred = box_predict(x, y, x_test, n ** (-1.0 / (d + 2)))
    return np.mean((pred - cs.toys.target(x_test)) ** 2)
    ### END SOLUTION


# %% [markdown] slideshow={"slide_type": "fragment"}
# Next: the learning curves for $d = 1, 2, 3$, the fitted slopes, and the check.

# %% slideshow={"slide_type": "subslide"}
rng = np.random.default_rng(SEED)
fig, ax = plt.subplots(figsize=(8, 4.5))
slopes = []
for d in BOX_DIMS:
    err = np.array([np.mean([box_mse(n, d, rng) for _ in range(BOX_TRIALS)]) for n in BOX_NS])
    slopes.append(-cs.fit.PowerLaw().fit(BOX_NS, err).alpha_)
    ax.loglog(BOX_NS, err, "o-", label=f"d = {d}: slope {slopes[-1]:.2f}")
ax.set(xlabel="n", ylabel="test MSE", title="your box estimator, side n^(-1/(d+2))")
ax.legend()
plt.show()
cs.toys.checks.check_box_exponents(BOX_DIMS, slopes)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Task 5: how many dimensions does the data really have?
#
# `cs.toys.checks.mystery_manifold_curve` returns a 1-NN learning curve on a manifold
# of unknown dimension $k$ inside 24 ambient dimensions. Fit its slope and invert
# $\text{slope} = -2/k$ to set `k_hat`.

# %% slideshow={"slide_type": "subslide"}
mystery = cs.toys.checks.mystery_manifold_curve(KNN_NS, key=SEED)
### BEGIN SOLUTION
### HINT: fit mystery.mse against mystery.n with cs.fit.PowerLaw, then k = -2 / slope.
mystery_slope = -cs.fit.PowerLaw().fit(mystery.n, mystery.mse).alpha_
k_hat = -2.0 / mystery_slope
### END SOLUTION
print(f"k_hat = {k_hat:.2f}")

# %% slideshow={"slide_type": "fragment"}
cs.toys.checks.check_intrinsic_dimension(k_hat)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Wrap-up
#
# * Mean estimation gave slope $-1$ and intercept $\log\sigma^2$.
# * The box estimator's exponent shrinks with $d$, close to $-2/(d+2)$.
# * A fitted exponent tells you the data's intrinsic dimension, not its number of
#   coordinates.
