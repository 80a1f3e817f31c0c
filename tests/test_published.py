import math

import numpy as np
import pytest

from cs324scale import published


def test_chinchilla_points_and_epoch_outlier_rule():
    pts = published.chinchilla_points()
    assert len(pts.N) == 245
    np.testing.assert_allclose(pts.D, pts.C / (6 * pts.N))
    kept = published.drop_highest_losses(pts, k=5)
    assert len(kept.loss) == 240 and kept.loss.max() < np.sort(pts.loss)[-5]


def test_revisiting_nsl_curves_are_deduplicated():
    curves = published.revisiting_nsl_curves()
    assert len(curves) == 20
    lm = published.revisiting_nsl_curves("LM")
    assert sum(len(c.x_train) + len(c.x_test) for c in lm) == 229  # 687 exact duplicates removed
    for c in curves:
        assert c.x_test.min() > c.x_train.max()


def test_gpt3_unverified_cells_stay_missing():
    rows = published.gpt3_table_h1("WinoGrande", "few-shot", verified_only=False)
    xl = next(r for r in rows if r.model == "GPT-3 XL")
    assert math.isnan(xl.accuracy_pct)  # conflicting transcriptions: left empty, never zero
    verified = published.gpt3_table_h1("WinoGrande", "few-shot")
    assert len(verified) == 7 and all(r.accuracy_pct > 50 for r in verified)


def test_published_constants():
    k = published.kaplan_constants()
    assert (k["alpha_N"], k["alpha_D"], k["N_c"], k["D_c"]) == (0.076, 0.095, 8.8e13, 5.4e13)
    assert published.kaplan_constants("joint")["alpha_D"] == 0.103
    fits = published.chinchilla_parametric_fits()
    assert fits["hoffmann2022"]["alpha"] == 0.34 and fits["besiroglu2024"]["beta"] == 0.3658
    assert published.hoffmann_table3()["tokens"][3] == 1.5e12
    assert len(published.tinyshakespeare()) == 1_115_394


def test_missing_or_malformed_file_names_the_file(monkeypatch, tmp_path):
    monkeypatch.setattr(published, "data_path", lambda name: tmp_path / name)
    with pytest.raises(ValueError, match="kaplan2020_constants.csv.*missing"):
        published.kaplan_constants()
    (tmp_path / "strubell2019_table1_co2e.csv").write_text("group,item\nA,B\n")
    with pytest.raises(ValueError, match="strubell2019_table1_co2e.csv.*malformed"):
        published.strubell_co2e()
    (tmp_path / "strubell2019_table1_co2e.csv").write_text("group,item,co2e_lbs\nA,B,lots\n")
    with pytest.raises(ValueError, match="not a number"):
        published.strubell_co2e()
