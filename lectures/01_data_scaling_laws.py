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
# # Lecture 1: Data scaling laws
#
# Are there simple rules that determine how data affects performance? Every claim on
# these slides is a computation you can rerun and change.

# %% tags=["colab-setup"] slideshow={"slide_type": "skip"}
# Filled in by tools/build_notebooks.py.

# %% slideshow={"slide_type": "skip"}
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

import cs324scale as cs

cs.plotting.use_slide_style()


def slope_of(n, err):
    """Fitted log-log slope (= -alpha) of err against n, with cs.fit.PowerLaw."""
    return -cs.fit.PowerLaw().fit(n, err).alpha_


# %% slideshow={"slide_type": "skip"}
# Experiment sizes: fast mode (CI, laptops) or full mode (Colab GPU runtime).
MEAN_NS = np.unique(np.logspace(1, 4, 10).astype(int))
MEAN_TRIALS = cs.scale.pick(fast=1000, full=5000)
REG_NS = np.unique(np.logspace(1.3, 4, 8).astype(int))
REG_TRIALS = cs.scale.pick(fast=200, full=2000)
BOX_NS = cs.scale.pick(fast=np.logspace(2.5, 4.5, 7), full=np.logspace(2.5, 5.5, 10)).astype(int)
BOX_TRIALS = cs.scale.pick(fast=6, full=32)
BOX_DIMS = (1, 2, 3, 4)
KNN_NS = cs.scale.pick(fast=np.logspace(2, 3.7, 6), full=np.logspace(2, 4.5, 9)).astype(int)
KNN_TRIALS = cs.scale.pick(fast=4, full=16)
SHIFT_NS = cs.scale.pick(fast=np.logspace(3, 4.3, 5), full=np.logspace(3, 5, 8)).astype(int)
SHIFT_TRIALS = cs.scale.pick(fast=6, full=32)
FAIR_BUDGETS = cs.scale.pick(fast=(1_000, 30_000), full=(1_000, 10_000, 100_000))
FAIR_TRIALS = cs.scale.pick(fast=8, full=32)
SEED = 0

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The empirical observation: learning curves are straight on log-log axes
#
# Next: five language models of 17M to 1.1B parameters from Alabdulmohsin, Neyshabur
# & Zhai (2022), *Revisiting Neural Scaling Laws in Language and Vision* (their
# published benchmark). Validation loss against examples seen, with a power law
# `loss = A n^(-alpha)` fitted to each curve's fitting points (circles); crosses are
# held-out later points.

# %% slideshow={"slide_type": "subslide"}
lm = cs.published.revisiting_nsl_curves("LM")
fig, ax = plt.subplots(figsize=(9, 5))
lm_alpha = {}
for c in lm:
    keep = c.y_train < 0.99  # the first point of every LM curve is a 0.999 placeholder
    law = cs.fit.PowerLaw().fit(c.x_train[keep], c.y_train[keep])
    lm_alpha[float(c.model)] = law.alpha_
    (line,) = ax.loglog(c.x_train[keep], c.y_train[keep], "o", ms=5, label=f"{float(c.model):.2g} params")
    ax.loglog(c.x_test, c.y_test, "x", color=line.get_color())
    grid = np.geomspace(c.x_train[keep].min(), c.x_test.max(), 50)
    ax.loglog(grid, law.predict(grid), "-", color=line.get_color(), lw=1.5)
ax.set(xlabel="examples seen", ylabel="validation loss", title="Revisiting-NSL language models")
ax.legend(fontsize=11)
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The fitted exponents, one per model: small, and larger for bigger models.

# %% slideshow={"slide_type": "fragment"}
for size, alpha in sorted(lm_alpha.items()):
    print(f"{size:9.3g} parameters: alpha = {alpha:.3f}")
alphas = [lm_alpha[s] for s in sorted(lm_alpha)]
assert all(0 < a < 0.2 for a in alphas), alphas
assert np.all(np.diff(alphas) > 0), "bigger models should keep improving faster"

# %% [markdown] slideshow={"slide_type": "notes"}
# The losses in this benchmark are normalised (the first point is capped at 0.999), so
# the absolute level means little; the slope does. Each curve is one model trained for
# longer, so eventually the curve bends: the model, not the data, becomes the limit.
# That bending is what the saturating law of lecture 3 describes.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ## Kaplan et al. (2020): loss against dataset size
#
# Next: Kaplan et al., *Scaling Laws for Neural Language Models*, Eq. (1.2),
# `L(D) = (D_c / D)^alpha_D`, drawn from the constants in their Table 5 (shipped in
# `cs.published`). Over four orders of magnitude of tokens: one straight line.

# %% slideshow={"slide_type": "subslide"}
k = cs.published.kaplan_constants()
tokens = np.geomspace(1e7, 1e11, 50)
loss = (k["D_c"] / tokens) ** k["alpha_D"]
fig, ax = plt.subplots(figsize=(8, 4.5))
ax.loglog(tokens, loss, lw=3)
ax.set(xlabel="dataset size D (tokens)", ylabel="test loss (nats/token)")
ax.set_title(f"Kaplan et al. 2020, Eq. 1.2: alpha_D = {k['alpha_D']}, D_c = {k['D_c']:.1e}")
plt.show()
assert abs(slope_of(tokens, loss) + k["alpha_D"]) < 1e-6

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Why would this be true? Mean estimation is a scaling law
#
# Estimate the mean of $x_1, \dots, x_n \sim N(\mu, \sigma^2)$ by $\bar x$. Then
# $E[(\bar x - \mu)^2] = \sigma^2 / n$, so
#
# $$\log \text{error} = -1 \cdot \log n + 2 \log \sigma .$$
#
# Slope $-1$ from the estimator, intercept from the noise. Next: a Monte Carlo check
# with three values of $\sigma$ (dots), against $\sigma^2/n$ (dashed).

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(8, 4.5))
mean_fits = {}
for i, sigma in enumerate((0.5, 1.0, 2.0)):
    curve = cs.toys.mean_estimation_mse(MEAN_NS, sigma=sigma, trials=MEAN_TRIALS, key=SEED + i)
    mean_fits[sigma] = cs.fit.PowerLaw().fit(curve.n, curve.mse)
    (line,) = ax.loglog(curve.n, curve.mse, "o", label=f"sigma = {sigma}")
    ax.loglog(curve.n, curve.theory, "--", color=line.get_color())
ax.set(xlabel="n", ylabel="MSE of the sample mean", title="Mean estimation: MC (dots), sigma^2/n (dashed)")
ax.legend()
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The fitted slope and intercept, against $-1$ and $\log \sigma^2$:

# %% slideshow={"slide_type": "fragment"}
for sigma, law in mean_fits.items():
    print(f"sigma = {sigma}: slope = {-law.alpha_:.3f}, intercept = {np.log(law.A_):.3f}, "
          f"log sigma^2 = {np.log(sigma**2):.3f}")
    assert abs(law.alpha_ - 1) < 0.05
    assert abs(np.log(law.A_) - np.log(sigma**2)) < 0.15

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Classical models: 1/n
#
# Least squares in $p$ dimensions: the excess risk is exactly $p\sigma^2/(n-p-1)$,
# i.e. $\approx p\sigma^2/n$. Next: Monte Carlo for $p = 2$ and $p = 16$ (dots), theory
# dashed. The dimension moves the **intercept**; the slope stays $-1$.

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(8, 4.5))
for p in (2, 16):
    ns = REG_NS[REG_NS >= 2 * p]
    curve = cs.toys.regression_excess_risk(ns, p=p, trials=REG_TRIALS, key=SEED)
    (line,) = ax.loglog(curve.n, curve.mse, "o", label=f"p = {p}: slope {slope_of(curve.n, curve.mse):.2f}")
    ax.loglog(curve.n, curve.theory, "--", color=line.get_color())
    assert abs(slope_of(curve.n[curve.n >= 10 * p], curve.mse[curve.n >= 10 * p]) + 1) < 0.1
ax.set(xlabel="n", ylabel="excess risk", title="Least squares: p sigma^2 / (n - p - 1)")
ax.legend()
plt.show()

# %% [markdown] slideshow={"slide_type": "notes"}
# Most classical parametric models have this 1/n rate (the asymptotic variance of
# maximum likelihood). Neural language models show exponents near 0.1: much slower.
# Where could slow exponents come from? Nonparametric estimation.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The nonparametric detour: the box estimator
#
# $x$ uniform on $[0,1]^d$, $y = f(x) + N(0,1)$, $f$ smooth. Cut the cube into boxes of
# side $h$ and predict the average $y$ in each box. Next: $d = 1$, 200 points, two box
# sizes.

# %% slideshow={"slide_type": "subslide"}
rng = np.random.default_rng(SEED)
x = rng.random((200, 1))
y = np.asarray(cs.toys.target(x)) + rng.standard_normal(200)
grid = np.linspace(0, 1, 500)[:, None]
fig, ax = plt.subplots(figsize=(9, 4.5))
ax.plot(x[:, 0], y, ".", color="0.6", label="data")
ax.plot(grid[:, 0], cs.toys.target(grid), "k--", label="f")
for side in (0.05, 0.25):
    pred = cs.toys.checks.reference_box_predict(x, y, grid, side)
    ax.step(grid[:, 0], pred, where="post", label=f"boxes of side {side}")
ax.set(xlabel="x", ylabel="y")
ax.legend(fontsize=12, ncols=2)
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ## Two rates for the same estimator
#
# Error = bias² ($\sim h^2$) + variance ($\sim \sigma^2 / (n h^d)$).
#
# * **Lecture rule**: $\sqrt n$ boxes with $\sqrt n$ points each, $h = n^{-1/(2d)}$
#   ($n^{-1/4}$ in 2D). Bias² $\sim n^{-1/d}$: the slide's "error $\sim n^{-1/d}$".
# * **Textbook rule**: balance the two terms, $h = n^{-1/(d+2)}$, error
#   $\sim n^{-2/(d+2)}$ (Györfi et al. 2002, Thm. 4.3; optimal for Lipschitz $f$, Stone 1982).
#
# They agree at $d = 2$. Next: measure both for $d = 1..4$ and let the data decide.

# %% slideshow={"slide_type": "subslide"}
box_slopes = {}
for side in ("lecture", "optimal"):
    for d in BOX_DIMS:
        curve = cs.toys.box_estimator_mse(BOX_NS, d=d, side=side, trials=BOX_TRIALS, key=SEED + d)
        box_slopes[side, d] = slope_of(curve.n, curve.mse)
print(" d   lecture rule (pred -1/d)   textbook rule (pred -2/(d+2))")
for d in BOX_DIMS:
    print(f" {d}   {box_slopes['lecture', d]:6.3f} ({-min(1 / d, 0.5):6.3f})"
          f"          {box_slopes['optimal', d]:6.3f} ({-2 / (d + 2):6.3f})")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Next: the measured exponents against $d$, with both predictions.

# %% slideshow={"slide_type": "subslide"}
dd = np.linspace(1, 4, 50)
fig, ax = plt.subplots(figsize=(8, 4.5))
ax.plot(dd, -2 / (dd + 2), "C1--", label="textbook -2/(d+2)")
ax.plot(dd, -1 / dd, "C0:", label="slide heuristic -1/d")
for side, color in (("lecture", "C0"), ("optimal", "C1")):
    ax.plot(BOX_DIMS, [box_slopes[side, d] for d in BOX_DIMS], "o", color=color, ms=11,
            label=f"measured, {side} side")
ax.set(xlabel="input dimension d", ylabel="fitted exponent", xticks=BOX_DIMS)
ax.legend(fontsize=12)
plt.show()
for d in (1, 2, 3):
    assert abs(box_slopes["optimal", d] + 2 / (d + 2)) < 0.07, (d, box_slopes["optimal", d])
assert abs(box_slopes["lecture", 3] + 1 / 3) < 0.07
assert box_slopes["lecture", 1] > -0.6  # not -1: at d = 1 the lecture rule is variance-bound
optimal = [box_slopes["optimal", d] for d in BOX_DIMS]
assert np.all(np.diff(optimal) > 0), "exponents must shrink with d"

# %% [markdown] slideshow={"slide_type": "notes"}
# What the data say: for d <= 3 each rule follows its own prediction. The slide's
# n^(-1/d) is what its box size gives for d >= 2 (at d = 1 the variance term, n^(-1/2),
# dominates); the balanced box size learns faster, n^(-2/(d+2)), and no estimator can
# beat that rate for Lipschitz f. At d = 4 the lecture rule has only a handful of boxes
# per axis over these n, so its curve is not yet asymptotic (full mode goes further).
# Both rules agree on the lesson: the exponent shrinks as the dimension grows.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ## Explore: box size, dimension and the exponent
#
# The function below draws both learning curves for one $d$. The static figure is
# $d = 3$; the sliders redraw it live (not needed for the slides).

# %% slideshow={"slide_type": "skip"}
def plot_box_rates(d=3, log10_n_max=4.5, sigma=1.0):
    """Box-estimator MSE against n for both side rules, with fitted slopes."""
    ns = np.unique(np.logspace(2, log10_n_max, 6).astype(int))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for side in ("lecture", "optimal"):
        c = cs.toys.box_estimator_mse(ns, d=d, side=side, sigma=sigma, trials=4, key=SEED)
        ax.loglog(c.n, c.mse, "o-", label=f"{side}: slope {slope_of(c.n, c.mse):.2f}"
                  f" (pred {cs.toys.rate_exponent(d, side):.2f})")
    ax.set(xlabel="n", ylabel="MSE", title=f"box estimator, d = {d}, sigma = {sigma}")
    ax.legend()
    plt.show()


# %% slideshow={"slide_type": "subslide"}
plot_box_rates(d=3)

# %% slideshow={"slide_type": "skip"}
_ = widgets.interact(
    plot_box_rates,
    d=widgets.IntSlider(value=3, min=1, max=5, description="d"),
    log10_n_max=widgets.FloatSlider(value=4.5, min=3, max=5, step=0.5, description="log10 n max"),
    sigma=widgets.FloatLogSlider(value=1.0, base=10, min=-1, max=1, description="sigma"),
)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Intrinsic dimension: the exponent tracks $k$, not $D$
#
# Real data are high-dimensional but lie near low-dimensional manifolds. Inputs on a
# curved $k$-dimensional manifold in $D$ ambient dimensions; 1-nearest-neighbour
# regression, which never sees $k$. The nearest point is $\sim n^{-1/k}$ away, so the
# error is $\sim n^{-2/k}$ (Sharma & Kaplan 2020; Bahri et al. 2021). Next: $k = 1, 2, 4$,
# each in a small and a large ambient space.

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(8, 4.5))
knn_slopes = {}
for i, (k_int, dims) in enumerate(((1, (2, 32)), (2, (4, 32)), (4, (8, 32)))):
    for D, style in zip(dims, ("o-", "s--"), strict=True):
        c = cs.toys.manifold_knn_mse(KNN_NS, k=k_int, D=D, trials=KNN_TRIALS, key=SEED + D)
        knn_slopes[k_int, D] = slope_of(c.n, c.mse)
        ax.loglog(c.n, c.mse, style, color=f"C{i}", label=f"k = {k_int}, D = {D}: {knn_slopes[k_int, D]:.2f}")
ax.set(xlabel="n", ylabel="test MSE", title="1-NN on a k-manifold: slope vs -2/k")
ax.legend(fontsize=11, ncols=2)
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Reading the law backwards, $\hat k = -2/\text{slope}$ recovers the intrinsic dimension:

# %% slideshow={"slide_type": "fragment"}
for (k_int, D), s in knn_slopes.items():
    k_hat = cs.toys.intrinsic_dimension_from_slope(s)
    print(f"k = {k_int}, D = {D:2d}: slope {s:.3f} (pred {-2 / k_int:.3f}) -> k_hat = {k_hat:.2f}")
    assert abs(k_hat - k_int) < 0.35 * k_int, (k_int, D, k_hat)

# %% [markdown] slideshow={"slide_type": "notes"}
# An ambient-dimension argument would predict -2/(D+2): about -0.06 for D = 32. The data
# follow k. Sharma & Kaplan 2020 (arXiv:2004.10802) and Bahri et al. 2021
# (arXiv:2102.06701) use this to explain why neural scaling exponents are small but not
# hopelessly small: they reflect the data manifold's dimension, not the pixel count.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Composition and shift move the offset, not the slope
#
# Two domains, $A$ and $B$ (the two halves of the square). Train on a mixture with a
# share $w$ of $B$, test on $B$ only. Next: $w = 0.5, 0.25, 0.1$ with the box estimator.

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(8, 4.5))
shift_fits = {}
for w in (0.5, 0.25, 0.1):
    c = cs.toys.composition_mse(SHIFT_NS, train_share=w, test_share=1.0, trials=SHIFT_TRIALS, key=SEED)
    shift_fits[w] = cs.fit.PowerLaw().fit(c.n, c.mse)
    ax.loglog(c.n, c.mse, "o-", label=f"share of B in training = {w}: slope {-shift_fits[w].alpha_:.2f}")
ax.set(xlabel="training set size n", ylabel="test MSE on domain B")
ax.legend(fontsize=12)
plt.show()
slopes = [-f.alpha_ for f in shift_fits.values()]
assert max(slopes) - min(slopes) < 0.12, slopes
assert shift_fits[0.1].A_ > 1.5 * shift_fits[0.5].A_

# %% [markdown] slideshow={"slide_type": "notes"}
# Parallel lines: less of domain B in the mix multiplies the error by a constant.
# Kaplan et al. 2020 (Sec. 3.2.2, Fig. 8) see the same when a language model trained on
# WebText2 is evaluated on Books, Wikipedia or Common Crawl: a constant offset, the same
# trend. Data composition is a knob on the intercept.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Subgroups and fairness: allocating a data budget
#
# Two groups with their own laws: group 0 is simple but noisy (d = 1, sigma = 3), group 1
# has a slower exponent (d = 2). With $n$ points in total, what share $\gamma$ should go
# to group 0 so that the **worst** group does best? (Rolf et al. 2021, *Representation
# Matters*.) Next: per-group error against $\gamma$ for two budgets.

# %% slideshow={"slide_type": "subslide"}
fractions = np.linspace(0.05, 0.95, 19)
fig, axes = plt.subplots(1, len(FAIR_BUDGETS), figsize=(11, 4.5), sharey=True)
best_share = {}
for ax, budget in zip(axes, FAIR_BUDGETS, strict=True):
    trials = max(FAIR_TRIALS, 32_000 // budget)  # small budgets are cheap: more trials
    r = cs.toys.subgroup_allocation_mse(fractions, n_total=budget, trials=trials, key=SEED)
    best_share[budget] = cs.toys.equal_error_share(r)  # where the group errors cross
    ax.semilogy(fractions, r.mse[:, 0], "o-", label="group 0 (d=1, sigma=3)")
    ax.semilogy(fractions, r.mse[:, 1], "s-", label="group 1 (d=2, sigma=1)")
    ax.axvline(best_share[budget], color="k", ls=":", label=f"minimax share {best_share[budget]:.2f}")
    ax.set(xlabel="share gamma of data for group 0", title=f"n = {budget:,}: share {best_share[budget]:.2f}")
axes[0].set_ylabel("group error")
axes[0].legend(fontsize=11)
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The minimax share moves with the budget, because the exponents differ. Fitting each
# group's law and equalising them predicts the move:

# %% slideshow={"slide_type": "fragment"}
ns_g = np.unique(np.logspace(2, 4.5, 6).astype(int))
laws = [cs.fit.PowerLaw().fit(ns_g, cs.toys.box_estimator_mse(ns_g, d=d, sigma=s, trials=FAIR_TRIALS, key=SEED).mse)
        for d, s in ((1, 3.0), (2, 1.0))]
predicted = cs.toys.minimax_allocation([law.A_ for law in laws], [law.alpha_ for law in laws], np.array(FAIR_BUDGETS))
for budget, g in zip(FAIR_BUDGETS, predicted, strict=True):
    print(f"n = {budget:>7,}: measured minimax share {best_share[budget]:.2f}, from fitted laws {g:.2f}")
    assert abs(best_share[budget] - g) < 0.15
assert best_share[FAIR_BUDGETS[-1]] < best_share[FAIR_BUDGETS[0]]

# %% [markdown] slideshow={"slide_type": "notes"}
# Rolf, Worledge, Recht & Jordan (ICML 2021) fit per-group power laws of exactly this
# kind to real data sets and use them to choose allocations. Population-proportional
# allocation is rarely minimax; and because the best split depends on the budget, a
# split that is fair today may not be fair after the next data collection round.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Recap
#
# * Learning curves of real models are close to straight lines on log-log axes.
# * Mean estimation: slope $-1$, intercept $\log\sigma^2$; classical models: $1/n$.
# * Nonparametric estimation: exponent $-2/(d+2)$ with a well-chosen box size (the
#   slide's $-1/d$ is its box-size rule); small exponents come from high dimension.
# * What counts is the **intrinsic** dimension: slope $-2/k$ whatever $D$.
# * Data composition and shift move the intercept; subgroup laws guide allocation.
#
# Lab 1: implement the Monte Carlo and the box estimator yourself and measure these
# exponents.
