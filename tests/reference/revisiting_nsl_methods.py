# coding=utf-8
# Copyright 2024 The Google Research Authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""Reference scaling-law estimators M1-M4 of Revisiting Neural Scaling Laws.

Provenance: google-research/google-research, folder
revisiting_neural_scaling_laws/methods/ (files base.py, m1.py, m2.py, m3.py, m4.py),
commit 83282e4ec6e140949e0f51d04e279be7949409ff. Paper: Alabdulmohsin, Neyshabur &
Zhai 2022, "Revisiting Neural Scaling Laws in Language and Vision", arXiv:2209.06640.
Used only by the kit's tests and tools/validate_estimators.py, as the reference the
kit's estimators are checked against.

Changes from upstream, all needed to run without sklearn and as one module:
  1. The five files are merged into this one module. The classes are renamed
     base.M -> M, m1.Estimator -> M1, m2.Estimator -> M2, m3.Estimator -> M3,
     m4.Estimator -> M4, and the `from revisiting_neural_scaling_laws.methods import
     ...` lines are dropped; `super(Estimator, self)` becomes `super(M<k>, self)`.
  2. `sklearn.linear_model.LinearRegression(fit_intercept=False[, positive=True])`
     is replaced by `_LinearRegression` below, a port of the code path sklearn runs
     for exactly these arguments: `scipy.linalg.lstsq(X, y)` (positive=False) or
     `scipy.optimize.nnls(X, y)[0]` (positive=True), after sklearn's input check that
     raises ValueError on NaN or infinite values.
  3. The unused `from typing import Optional` imports are dropped.
Every other line (numerics, defaults, stopping rules, verbose printing) is as upstream,
so the upstream style is kept and the file is exempt from the kit's lint rules below.
"""
# ruff: noqa: UP008, UP009, E701

import numpy as np
import scipy.linalg
import scipy.optimize


class _LinearRegression:
  """Minimal stand-in for sklearn.linear_model.LinearRegression(fit_intercept=False)."""

  def __init__(self, fit_intercept=False, positive=False):
    if fit_intercept:
      raise NotImplementedError("only fit_intercept=False is used upstream")
    self.positive = positive

  def fit(self, X, y):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
      raise ValueError("Input contains NaN or infinity.")  # as sklearn check_array
    if self.positive:
      self.coef_ = scipy.optimize.nnls(X, y)[0]
    else:
      self.coef_ = scipy.linalg.lstsq(X, y)[0]
    return self


# ----------------------------------------------------------------------------------
# methods/base.py
# ----------------------------------------------------------------------------------

ERR_MARGIN = 1e-3


class M:
  """A collection of common methods for scaling law estimators."""

  def __init__(self,
               loss_values,
               c = -0.5,
               err_inf = None,
               update_c = True,
               update_err_inf = True,
               lo_bound = 0.,
               up_bound = None
               ):
    """Constructor.

    Args:
      loss_values: a dictionary {x: y}, where x is the data size and y is the
        error/loss of the model (lower is better).
      c: initial value of the scaling exponent.
      err_inf: initial estimate of the limiting error rate with infinite data.
        If None, we use the ~ minimum observed loss as an initial estimate.
      update_c: set to True if the exponent c is learnable.
      update_err_inf: set to True if the err_inf is learnable.
      lo_bound: lower bound on error/loss. Default is zero.
      up_bound: upper bound on error/loss. Default is None.
    """
    if lo_bound is None or lo_bound < 0:
      raise ValueError("lo_bound must be a non-negative real number.")
    if up_bound is not None and up_bound <= lo_bound:
      raise ValueError("up_bound must be larger than lo_bound.")

    self.loss_values = loss_values
    self.x = np.array(sorted(list(self.loss_values.keys())))
    self.y = np.array([self.loss_values[x] for x in self.x])

    # params used for projection
    self.min_err = min(self.loss_values.values()) - ERR_MARGIN  # min loss
    self.max_err = max(self.loss_values.values()) + ERR_MARGIN  # max loss

    # initialize learnable parameters
    self.c = c
    self.beta = 1.0
    self.gamma = 0.  # used by M3
    self.alpha = 0.  # used by M4

    if err_inf is None and update_err_inf:
      err_inf = self.min_err
    elif err_inf is None:  # e.g. in M1
      err_inf = 0
    self.err_inf = err_inf  # initial value of scaled inf data limit
    self.err_0 = 1.0  # used by M4

    self.update_c = update_c
    self.update_err_inf = update_err_inf
    self.update_gamma = False  # used by M3
    self.update_alpha = False  # used by M4
    self.update_err_0 = False  # used by M4

    # these are used to project params and obtain more accurate estimates
    self.lo_bound = max(0., lo_bound - ERR_MARGIN)
    if up_bound is not None: up_bound = up_bound + ERR_MARGIN
    self.up_bound = up_bound

  def predict_loss(self, data_size):
    """Estimate the loss given the data size."""
    raise NotImplementedError

  def _fv(self):
    """Vectorized implementation of RHS: e.g. power law term in M2."""
    raise NotImplementedError

  def _gv(self):
    """Vectorized implementation of LHS: e.g. excess error in M2."""
    raise NotImplementedError

  def _get_objt(self):
    """Objective function to be optimized; for reporting/debugging purposes."""
    g = np.log(self._gv())
    f = np.log(self._fv())
    return 0.5 * np.linalg.norm(g - f)

  def _project(self):
    """Project optimization variables into the feasible set."""
    self.err_inf = max(self.err_inf, self.lo_bound)  # 0 <= err_inf <= min_err
    self.err_inf = min(self.err_inf, self.min_err)
    self.err_0 = max(self.err_0, self.max_err)  # err_0 >= max_err

    if self.up_bound is not None:
      self.err_0 = min(self.err_0, self.up_bound)

  def loss_curve(self,
                 min_data_size,
                 max_data_size,
                 num_points = 10_000
                 ):
    """Predict performance for data sizes in [min_data_size, max_data_size]."""
    if min_data_size < 1:
      raise ValueError("min_data_size must be larger than zero.")
    xn = np.linspace(min_data_size, max_data_size, num_points)
    yn = np.array([self.predict_loss(data_size) for data_size in xn])
    return xn, yn

  def err_limit(self):
    return self.err_inf


# ----------------------------------------------------------------------------------
# methods/m2.py
# ----------------------------------------------------------------------------------


class M2(M):
  """Scaling law estimator M2."""

  def __init__(self,
               loss_values,
               c = -0.5,
               err_inf = None,
               update_c = True,
               update_err_inf = True,
               lo_bound = 0.
               ):
    """Constructor.

    Args:
      loss_values: a dictionary {x: y}, where x is the data size and y is the
        error/loss of the model (lower is better).
      c: initial value of the scaling exponent.
      err_inf: initial estimate of the limiting error rate with infinite data.
        If None, we use the ~ minimum observed loss as an initial estimate.
      update_c: set to True if the exponent c is learnable.
      update_err_inf: set to True if the err_inf is learnable.
      lo_bound: lower bound on error/loss. Default is zero.
    """
    super(M2, self).__init__(loss_values,
                             c,
                             err_inf,
                             update_c,
                             update_err_inf,
                             lo_bound)
    # pre-compute
    self.ones = np.ones_like(self.x)
    self.ones_logx = np.stack([self.ones, np.log(self.x)], axis=1)

  def _f(self, data_size):
    """RHS: power law f(x) = beta * x^c."""
    return self.beta * (data_size ** self.c)

  def _fv(self):
    """Vectorized implementation of _f()."""
    return self.beta * (self.x ** self.c)

  def _g(self, err):
    """LHS: exess loss = err - err_inf."""
    return err - self.err_inf

  def _gv(self):
    """Vectorized implementation of _g()."""
    return self.y - self.err_inf

  def predict_loss(self, data_size):
    """Estimate the loss given the data size."""
    return self._f(data_size) + self.err_inf

  def _hessian(self):
    """Hessian w.r.t. err_inf, used for faster optimization."""
    log_g = np.log(self._gv())
    log_f = np.log(self._fv())
    h_inf = np.mean((1 - log_g + log_f) / (self.y - self.err_inf) ** 2)
    return h_inf

  def _update_errs(self, lr = 1e-8, epochs = 1000):
    """Update err_inf using gradient descent."""
    if self.update_err_inf:
      log_f = np.log(self._fv())
      for _ in range(epochs):
        residual = np.log(self._gv()) - log_f
        grad = - np.mean(residual / (self.y - self.err_inf))  # gradient
        # now: descent + projection steps
        self.err_inf -= lr * grad
        self._project()

  def _update_errs_hessian(self, lr = 0.1, epochs = 100):
    """Update estimate of err_inf using Newton's method."""
    if self.update_err_inf:
      log_f = np.log(self._fv())
      for _ in range(epochs):
        residual = np.log(self._gv()) - log_f
        grad = - np.mean(residual / (self.y - self.err_inf))
        hess = self._hessian()
        # now: descent + projection steps
        self.err_inf -= lr * grad / hess
        self._project()

  def _update_c_and_beta(self):
    """Update estimate of beta and c using linear regression."""
    labels = np.log(self._gv())
    if self.update_c:
      clf = _LinearRegression(
          fit_intercept=False).fit(self.ones_logx, labels)
      log_beta = clf.coef_[0]
      self.c = clf.coef_[1]
    else:
      log_beta = np.mean(labels - self.ones_logx[:, 1] * self.c)
    self.beta = np.exp(log_beta)

  def estimate_scaling_params(self,
                              max_iterations = 10_000,
                              verbose = True,
                              lr = 1e-8,
                              epochs = 1000,
                              grad_iters = 100,
                              stop = 1e-10
                              ):
    """Estimate scaling law parameters.

    We first estimate parameters using gradient descent for a few epochs before
    switching to Newton's method to accelerate convergence (since we are close
    to the optimal solution by then).

    Args:
      max_iterations: maximum number of times where we iterate between
        optimizing c and beta using least squares and optimizing err_inf using
        gradient descent / Newton's method. You can keep this large since we
        also monitor progress and stop early if we reach convergence.
      verbose: set to True to display progress.
      lr: learning rate used to optimize err_inf using gradient descent. This
        should be very small. A larger learning rate is used when switching to
        Newton's method.
      epochs: number of epochs when optimizing err_inf using gradient descent.
      grad_iters: number of iterations used for gradient descent before
        switching to Newton's method.
      stop: stop optimizing params when progress in beta is below this value.
    """
    if not self.update_err_inf:  # e.g. use M1
      max_iterations = 1

    old_beta = self.beta  # we use progress on beta as a stopping criterion
    k = 0
    for k in range(max_iterations):
      self._update_c_and_beta()
      if self.update_err_inf:
        if k < grad_iters:  # use gradient descent
          self._update_errs(lr=lr, epochs=epochs)
        else:  # switch to Newton's method now that we are close to optimal sol
          self._update_errs_hessian()

      if verbose:
        obj = self._get_objt()  # objective function; for reporting only.
        print('iter, obj, c, beta, err_inf: ', k, obj, self.c,
              self.beta, self.err_inf)

      gap_beta = self.beta - old_beta
      old_beta = self.beta

      # use early stopping only after switching to Newton's method
      if abs(gap_beta) < stop and k > grad_iters + 1:
        break


# ----------------------------------------------------------------------------------
# methods/m1.py
# ----------------------------------------------------------------------------------


class M1(M2):
  """Scaling law estimator M1."""

  def __init__(self,
               loss_values,
               c = -0.5,
               update_c = True
               ):
    """Constructor.

    Args:
      loss_values: a dictionary {x: y}, where x is the data size and y is the
        error/loss of the model (lower is better).
      c: initial value of the scaling exponent.
      update_c: set to True if the exponent c is learnable. If False, only the
        beta parameter is optimized.
    """
    super(M1, self).__init__(loss_values, c, err_inf=0,
                             update_c=update_c, update_err_inf=False)


# ----------------------------------------------------------------------------------
# methods/m3.py
# ----------------------------------------------------------------------------------


class M3(M):
  """Scaling law estimator M3."""

  def __init__(self,
               loss_values,
               c = -0.5,
               gamma = 0.,
               update_gamma = True
               ):
    """Constructor.

    Args:
      loss_values: a dictionary {x: y}, where x is the data size and y is the
        error/loss of the model (lower is better).
      c: initial value of the scaling exponent.
      gamma: initial value of the gamma parameter.
      update_gamma: set to True if gamma is learnable.
    """
    super(M3, self).__init__(loss_values,
                             c,
                             err_inf=0,
                             update_err_inf=False,
                             update_c=True)
    self.gamma = gamma
    self.update_gamma = update_gamma
    # pre-compute
    self.ones = np.ones_like(self.x)

  def _f(self, data_size):
    """RHS."""
    return self.beta * ((1. / data_size + self.gamma) ** self.c)

  def _fv(self):
    """Vectorized implementation of _f()."""
    return self.beta * ((1 / self.x + self.gamma) ** self.c)

  def _g(self, err):
    """LHS: exess loss = err - err_inf."""
    return err

  def _gv(self):
    """Vectorized implementation of _g()."""
    return self.y

  def predict_loss(self, data_size):
    """Estimate the loss given the data size x."""
    return self._f(data_size)

  def _update_c_and_beta(self):
    """Update estimate of beta and c using linear regression."""
    # we don't precompute in M3 because gamma changes.
    logx = np.log(1 / self.x + self.gamma)
    ones_logx = np.stack([self.ones, logx], axis=1)

    # estimate using linear regression
    labels = np.log(self._gv())
    clf = _LinearRegression(
        fit_intercept=False).fit(ones_logx, labels)
    self.beta = np.exp(clf.coef_[0])
    self.c = max(0, clf.coef_[1])  # exponent has to be >= 0

  def _update_gamma_fnct(self):
    """Update gamma using a grid search.

    Because the scale of gamma is unknown in advance, we generate a grid of
    values by the solving the equation exactly for each single data size x. We
    then pick the best value among those in the grid.
    """
    gamma_vals = (self.y / self.beta) ** (1 / self.c) - 1 / self.x
    best_gamma = self.gamma  # current estimate
    best_loss = self._get_objt()

    # pick the one that minimizes the objective among positive values
    for gamma in gamma_vals:
      if gamma >= 0:
        # calculate the new objective function
        self.gamma = gamma
        loss = self._get_objt()
        # compare with best
        if loss < best_loss:
          best_loss = loss
          best_gamma = gamma

    self.gamma = best_gamma

  def estimate_scaling_params(self,
                              max_iterations = 10_000,
                              verbose = True,
                              stop = 1e-10
                              ):
    """Estimate scaling law parameters.

    We iterate between solving for beta & c in closed-form using linear
    regression and optimizing gamma using grid search.

    Args:
      max_iterations: maximum number of times where we iterate between
        optimizing c and beta using least squares and optimizing gamma using
        grid search. You can keep this large since we also monitor progress and
        stop early if we reach convergence.
      verbose: set to True to display progress.
      stop: stop optimizing params when progress in beta is below this value.
    """
    old_beta = self.beta  # we use progress on beta as a stopping criterion
    for k in range(max_iterations):
      self._update_c_and_beta()
      if self.update_gamma:
        self._update_gamma_fnct()

      if verbose:
        obj = self._get_objt()  # objective function; for reporting only.
        print('iter, obj, c, beta, gamma: ', k, obj, self.c,
              self.beta, self.gamma)

      gap_beta = self.beta - old_beta
      old_beta = self.beta
      if abs(gap_beta) < stop:
        break


# ----------------------------------------------------------------------------------
# methods/m4.py
# ----------------------------------------------------------------------------------

EPS = 1e-5


class M4(M):
  """Scaling law estimator M4."""

  def __init__(self,
               loss_values,
               c = -0.5,
               err_inf = None,
               err_0 = 1.0,
               update_c = True,
               update_err_inf = True,
               update_err_0 = True,
               update_alpha = True,
               lo_bound = 0.,
               up_bound = None
               ):
    """Constructor.

    Args:
      loss_values: a dictionary {x: y}, where x is the data size and y is the
        error/loss of the model (lower is better).
      c: initial value of the scaling exponent.
      err_inf: initial estimate of the limiting error rate with infinite data.
        If None, we use the ~ minimum observed loss as an initial estimate.
      err_0: initial estimate of the random-guessing error/loss. If None, we use
        the ~ maximum observed loss as an initial estimate.
      update_c: set to True if the exponent c is learnable.
      update_err_inf: set to True if the err_inf is learnable.
      update_err_0: set to True if err_0 is learnable.
      update_alpha: set to True if alpha is learnable.
      lo_bound: lower bound on error/loss. Default is zero.
      up_bound: upper bound on error/loss. Default is None.
    """
    super(M4, self).__init__(loss_values,
                             c,
                             err_inf,
                             update_c,
                             update_err_inf,
                             lo_bound,
                             up_bound)

    self.err_0 = err_0 if err_0 is not None else self.max_err
    # in M4, we initialize err_0 using the maximum observed loss in the data
    # because we take the logarithm, we drop the corresponding size
    self.update_alpha = update_alpha
    self.update_err_0 = update_err_0

    # precompute
    # pylint: disable=invalid-name
    num_examples = len(self.x)
    if update_alpha:
      A = np.zeros((num_examples, 3))  # we use A to solve lienar regression
      for i in range(num_examples):
        xi = self.x[i]
        A[i, 0] = 1.0
        A[i, 1] = -np.log(xi)
        A[i, 2] = np.log(self.err_0 - loss_values[xi])
      self.A = A
    else:  # for ablation, we compare with fixed alpha (e.g. alpha=1 in paper)
      A = np.zeros((num_examples, 2))
      for i in range(num_examples):
        xi = self.x[i]
        A[i, 0] = 1.0
        A[i, 1] = -np.log(xi)
      self.A = A

  def _f(self, data_size):
    """RHS: power law f(x) = beta * x^c."""
    return self.beta * (data_size ** self.c)

  def _fv(self):
    """Vectorized implementation of _f()."""
    return self.beta * (self.x ** self.c)

  def _g(self, loss):
    """LHS: normalized ecess loss/error."""
    return (loss - self.err_inf) / ((self.err_0 - loss) ** self.alpha)

  def _gv(self):
    """Vectorized implementation of g."""
    return (self.y - self.err_inf) / ((self.err_0 - self.y) ** self.alpha)

  def predict_loss(self, data_size, prec = 10_000):
    """Estimate the loss given the data size.

    Here is how we calculate it:
    We have (err_x - err_inf) / (err_0 - err_x)^alpha = f(x).
    If we denote b = err_0 - err_inf and write err_x = w + err_inf, the eq above
    becomes: w / (b - w) ** alpha = f. Rearranging terms: w = f (b-w)^alpha.
    We choose w that minimizes the difference between both sides of the last eq.

    Args:
      data_size: size of data.
      prec: desired precision of predicted loss; e.g. prec=1000 means that the
        predicted loss is accurate up to 3 decimal places.

    Returns:
      predicted_loss: predicted loss using the M4 estimator.
    """
    if abs(self.alpha) < EPS:
      return self.err_inf + self._f(data_size)
    else:
      f = self._f(data_size)
      b = self.err_0 - self.err_inf
      w = np.linspace(0, b, prec)
      loss = np.abs(w - f * (b - w) ** self.alpha)
      indx_min = np.argmin(loss)
      return w[indx_min] + self.err_inf

  def _hessian(self):
    """Calculate 2nd derviatives w.r.t. (err_inf, err_0)."""
    log_g = np.log(self._gv())
    log_f = np.log(self._fv())
    # second derivative w.r.t. err_inf
    h_inf = np.mean((1 - log_g + log_f) / (self.y - self.err_inf) ** 2)
    # second derivative w.r.t. err_0
    h_0 = self.alpha * np.mean(
        (self.alpha + log_g - log_f) / (self.err_0 - self.y) ** 2)
    return h_inf, h_0

  def _grad(self):
    """Calculate gradient w.r.t. (err_inf, err_0)."""
    log_f = np.log(self._fv())
    log_g = np.log(self._gv())
    residual = log_g - log_f
    # gradients
    grad_inf = - np.mean(residual / (self.y - self.err_inf))
    grad_0 = - self.alpha * np.mean(residual / (self.err_0 - self.y))
    return grad_inf, grad_0

  def _update_errs(self, lr = 1e-8, epochs = 1000):
    """Update err_inf and err_0 using gradient descent."""
    for _ in range(epochs):
      grad_inf, grad_0 = self._grad()
      # descent + projection steps
      if self.update_err_inf:
        self.err_inf -= lr * grad_inf
      if self.update_err_0:
        self.err_0 -= lr * grad_0
      self._project()

  def _update_errs_hessian(self, lr = 0.1, epochs = 100):
    """Update estimate of err_inf and err_0 using Newton's method."""
    for _ in range(epochs):
      grad_inf, grad_0 = self._grad()
      h_inf, h_0 = self._hessian()
      # descent + projection steps
      if self.update_err_inf and abs(h_inf) > EPS:
        self.err_inf -= lr * grad_inf / h_inf
      if self.update_err_0 and abs(h_0) > EPS:
        self.err_0 -= lr * grad_0 / h_0
      self._project()

  def _update_c_beta_alpha(self):
    """Update estimates of alpha, beta and c using linear regression."""
    clf = _LinearRegression(
        fit_intercept=False, positive=True)

    if self.update_alpha:
      labels = np.log(self.y - self.err_inf)
      clf.fit(self.A, labels)
      # we multiply c by -1 (because of the non-negativity constraint)
      log_beta, self.c, self.alpha = clf.coef_[0], -clf.coef_[1], clf.coef_[2]
    else:
      labels = np.log(self.y - self.err_inf) - np.log(self.err_0 - self.y)
      clf.fit(self.A, labels)
      # we multiply c by -1 (because of the non-negativity constraint)
      log_beta, self.c = clf.coef_[0], -clf.coef_[1]

    self.beta = np.exp(log_beta)

  def estimate_scaling_params(self,
                              max_iterations = 10_000,
                              verbose = True,
                              lr = 1e-8,
                              epochs = 1000,
                              grad_iters = 100,
                              stop = 1e-10
                              ):
    """Estimate scaling law parameters.

    We first estimate parameters using gradient descent for a few epochs before
    switching to Newton's method to accelerate convergence (since we are close
    to the optimal solution by then).

    Args:
      max_iterations: maximum number of times where we iterate between
        optimizing (c, beta, alpha) using least squares and optimizing err_inf
        and err_0 using gradient descent / Newton's method. You can keep this
        large since we also monitor progress and stop early if we reach
        convergence.
      verbose: set to True to display progress.
      lr: learning rate used to optimize err_inf/err_0 using gradient descent.
        This should be very small. A larger learning rate is used when switching
        to Newton's method.
      epochs: number of epochs when optimizing err_inf/err_0 using grad descent.
      grad_iters: number of iterations used for gradient descent before
        switching to Newton's method.
      stop: stop optimizing params when progress in beta is below this value.
    """
    if not self.update_err_inf and not self.update_err_0:
      max_iterations = 1
    old_beta = self.beta  # stopping criterion
    for k in range(max_iterations):
      # update c, alpha, beta using least squares
      self._update_c_beta_alpha()

      # Initially, use grad descent. Then, swtich to Newton's method.
      if k < grad_iters:  # use gradient descent
        self._update_errs(lr=lr, epochs=epochs)
      else:
        self._update_errs_hessian()  # switch to Newton's method

      if verbose:
        obj = self._get_objt()  # objective function; for reporting only.
        print('iter, obj, c, beta, alpha, err_inf: ', k,
              obj, self.beta, self.c, self.alpha, self.err_inf)

      gap_beta = self.beta - old_beta
      old_beta = self.beta
      # use early stopping only after switching to Newton's method
      if abs(gap_beta) < stop and k > grad_iters + 1:
        break
