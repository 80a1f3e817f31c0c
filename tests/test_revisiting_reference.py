"""The kit's M1-M4 against the reference estimators of Revisiting Neural Scaling Laws.

The reference is the paper's own code, vendored in ``tests/reference/revisiting_nsl_methods.py``.
Its M2 and M4 fits take up to minutes per curve, so their results on the benchmark are
cached in ``tests/reference/revisiting_nsl_reference.json`` by ``tools/validate_estimators.py``;
one test refits the cheapest curve live and checks the cache against the vendored code.
The kit must reach the same held-out RMSE of log loss within 10% on every curve of the
subset (20 language curves, 12 vision curves), or be better on both counts: a lower
value of the reference's own objective on the training points *and* a lower held-out
error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import validate_estimators as V  # noqa: E402

import cs324scale as cs  # noqa: E402


@pytest.fixture(scope="module")
def subset():
    return V.validation_subset()


@pytest.fixture(scope="module")
def reference(subset):
    cache = V.load_cache()
    missing = [V.key(c) for c in subset if V.key(c) not in cache]
    assert not missing, (
        f"reference results missing for {missing}; run "
        "`python tools/validate_estimators.py --subset --reference-only`"
    )
    return cache


@pytest.fixture(scope="module")
def rows(subset, reference):
    return V.compare(subset, reference)


def _agrees(r) -> bool:
    if abs(r["ratio"] - 1) <= V.TOL:
        return True
    # a measured reason: the kit fits the reference's objective better and extrapolates better
    return "obj_kit" in r and r["obj_kit"] < r["obj_ref"] and r["kit"] < r["ref"]


def test_cache_is_what_the_vendored_reference_gives():
    c = next(c for c in cs.published.revisiting_nsl_curves("NMT") if c.model == "Dec-only")
    live = V.fit_reference(c)
    cached = V.load_cache()[V.key(c)]
    for name in V.ESTIMATORS:
        assert live[name]["rmse"] == pytest.approx(cached[name]["rmse"], rel=1e-9), name
        for p, v in live[name]["params"].items():
            assert v == pytest.approx(cached[name]["params"][p], rel=1e-9, abs=1e-12), (name, p)


def test_kit_matches_reference_on_language_and_vision_subset(rows):
    bad = [
        f"{r['curve']} {r['estimator']}: kit {r['kit']:.4g} ref {r['ref']:.4g} ({V.reason(r)})"
        for r in rows
        if not _agrees(r)
    ]
    assert not bad, "\n".join(bad)
    assert len(rows) == 4 * 32
    lang = [r for r in rows if r["domain"] != "IC"]
    # on the language curves every estimator is the reference's to 10%
    assert all(abs(r["ratio"] - 1) <= V.TOL for r in lang), [
        (r["curve"], r["estimator"], r["ratio"]) for r in lang if abs(r["ratio"] - 1) > V.TOL
    ]
    vision_m4 = [r for r in rows if r["domain"] == "IC" and r["estimator"] == "M4"]
    assert sum(abs(r["ratio"] - 1) <= V.TOL for r in vision_m4) == 12
    # not only the errors: the fitted parameters are the reference's (same objective value
    # to 1e-6; measured up to 4e-9), so what is left of the RMSE gap (up to 0.4% for M4) is
    # the reference's grid root-finder in predict_loss against the kit's bisection
    assert all(r["obj_kit"] == pytest.approx(r["obj_ref"], rel=1e-6) for r in rows)


def test_lm_1b_curve_numbers(rows):
    got = {
        r["estimator"]: (r["kit"], r["ref"]) for r in rows if r["curve"] == "LM|val_loss|1.07e+09"
    }
    for name, (kit, ref) in got.items():
        assert kit == pytest.approx(ref, rel=V.TOL), name
    assert got["M4"][1] == pytest.approx(0.00100, abs=5e-6)  # reference M4 on this curve
    # M4 extrapolates this curve an order of magnitude better than the power law M1
    assert got["M4"][0] < 0.1 * got["M1"][0]


def test_comparison_catches_a_wrong_estimator(subset, reference):
    """A global-minimum style fit that collapses to a power law is flagged on the LM curves."""
    lm = [c for c in subset if c.domain == "LM"]
    wrong = V.compare(lm, reference, make=lambda name, dom: cs.fit.PowerLaw(), estimators=("M4",))
    flagged = [r for r in wrong if not _agrees(r)]
    assert len(flagged) == len(lm) == 5
    assert np.all([r["ratio"] > 2 for r in flagged])
