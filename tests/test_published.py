import csv
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
    curves = published.revisiting_nsl_curves("language")
    assert len(curves) == 20
    lm = published.revisiting_nsl_curves("LM")
    assert sum(len(c.x_train) + len(c.x_test) for c in lm) == 224  # 687 duplicates, 5 placeholders removed
    kept = published.revisiting_nsl_curves("LM", placeholders=True)
    assert sum(len(c.x_train) + len(c.x_test) for c in kept) == 229
    assert all(abs(c.y_train[0] - published.PLACEHOLDER_LOSS) < 1e-9 for c in kept)
    assert all(c.y_train.max() < 0.99 for c in lm)
    for c in curves:
        assert c.x_test.min() > c.x_train.max()


def test_revisiting_nsl_vision_curves():
    vision = published.revisiting_nsl_curves("IC")
    assert len(vision) == 72
    assert [(c.task, c.model) for c in published.revisiting_nsl_curves("vision")] == [
        (c.task, c.model) for c in vision
    ]
    assert len({(c.task, c.model) for c in vision}) == 72  # 6 models x 12 tasks
    with published.data_path("revisiting_nsl/benchmark.vision.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sum(len(c.x_train) + len(c.x_test) for c in vision) == len(rows) == 18883  # no duplicates
    assert sum(len(c.x_train) for c in vision) == sum(r["Training"] == "1" for r in rows) == 3902
    assert all(c.x_test.min() > c.x_train.max() and np.all(np.diff(c.x_train) > 0) for c in vision)
    assert all(0 < c.y_train.min() and c.y_train.max() < 1 for c in vision)  # error rates
    every = published.revisiting_nsl_curves()
    assert len(every) == 92 and [c.domain for c in every[20:]] == ["IC"] * 72
    assert [c.domain for c in every[:20]] == [c.domain for c in published.revisiting_nsl_curves("language")]
    assert len(published.revisiting_nsl_curves(("LM", "IC"))) == 77
    with pytest.raises(ValueError, match="domain must be one of"):
        published.revisiting_nsl_curves("vison")


def test_gpt3_unverified_cells_stay_missing():
    rows = published.gpt3_table_h1("WinoGrande", "few-shot", verified_only=False)
    xl = next(r for r in rows if r.model == "GPT-3 XL")
    assert math.isnan(xl.accuracy_pct)  # conflicting transcriptions: left empty, never zero
    verified = published.gpt3_table_h1("WinoGrande", "few-shot")
    assert len(verified) == 7 and all(r.accuracy_pct > 50 for r in verified)


def test_later_model_scores_keep_unverified_cells_missing():
    every = published.later_model_scores("WinoGrande", verified_only=False)
    verified = published.later_model_scores("WinoGrande")
    assert (len(every), len(verified)) == (19, 16)
    missing = [r for r in every if math.isnan(r.accuracy_pct)]
    assert {r.model for r in missing} == {"PaLM 8B", "PaLM 540B", "PaLM 2-L"}  # empty, never zero
    assert all(r.status.startswith("verified") for r in verified)
    assert not any(r.status.startswith("verified") for r in missing)
    by_setting = {s: sum(r.setting == s for r in verified) for s in ("zero-shot", "one-shot", "few-shot")}
    assert by_setting == {"zero-shot": 13, "one-shot": 0, "few-shot": 3}
    gpt4 = next(r for r in verified if r.model == "GPT-4")
    assert math.isnan(gpt4.n_params) and (gpt4.k_shots, gpt4.accuracy_pct) == (5, 87.5)
    assert next(r for r in verified if r.model == "Chinchilla").n_params == 7e10
    with pytest.raises(ValueError, match="task must be one of"):
        published.later_model_scores("SAT Analogies")


def test_later_model_verified_cells_match_both_readings():
    with published.data_path("later_models_winogrande_sat.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        if r["accuracy_pct"]:
            assert float(r["accuracy_pct"]) == float(r["reading_a"]) == float(r["reading_b"]), r["model"]
            assert r["source_a"] and r["source_b"], r["model"]


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


def test_epoch_intervals_bracket_epochs_fit():
    ci = published.epoch_intervals()
    assert set(ci) == {"A", "B", "E", "alpha", "beta"}
    assert ci["E"] == (1.769, 1.871) and ci["alpha"] == (0.317, 0.373) and ci["beta"] == (0.331, 0.415)
    fit = published.chinchilla_parametric_fits()["besiroglu2024"]
    for name, (lo, hi) in ci.items():
        assert lo < fit[name] < hi, name


def test_gpt3_baselines_are_parsed_into_fields():
    rows = published.gpt3_baselines()
    assert {b.task for b in rows} == {r.task for r in published.gpt3_table_h1()}
    wino = {b.name: b for b in published.gpt3_baselines("WinoGrande")}
    assert wino["human performance"].value_pct == 94.0
    assert wino["human performance"].note == "as reported by Sakaguchi et al. 2019 [SBBC19]"
    assert wino["fine-tuned SOTA"].note == "T5" and wino["fine-tuned RoBERTa"].note == ""
    sat = {b.name: b for b in published.gpt3_baselines("SAT Analogies")}
    assert sat["average score among college applicants"].note == "TL05"
    assert sat["random guessing"].note == "5 choices"
    winograd = {b.name: b for b in published.gpt3_baselines("Winograd")}
    assert math.isnan(winograd["human performance"].value_pct)  # not given in the paper
    (gpt3,) = [b for b in rows if b.gpt3]
    assert (gpt3.task, gpt3.name, gpt3.value_pct) == ("WiC", "GPT-3 175B few-shot", 49.4)
    with pytest.raises(ValueError, match="task must be one of"):
        published.gpt3_baselines("Winograd (WSC273)")


def test_porian_ladder_reads_each_step_of_the_released_fits():
    ladder = published.porian2024_ladder()
    assert [r["step"] for r in ladder] == [s for s, _ in published.PORIAN_STEPS]
    a = [r["a"] for r in ladder]
    assert a == pytest.approx([0.8338, 0.7009, 0.6035, 0.5714, 0.497])
    assert all(np.diff(a) < 0)  # every step moves a towards Chinchilla's 0.5
    assert all(abs(r["a"] + r["b"] - 1) < 0.01 and r["budgets"] >= 11 for r in ladder)  # C = 6ND
    owt = published.porian2024_ladder("openwebtext2")
    assert owt[0]["a"] == pytest.approx(0.87) and owt[-1]["a"] == pytest.approx(0.5184)
    with pytest.raises(ValueError, match="dataset must be one of"):
        published.porian2024_ladder("c4")


def test_jurassic1_table_shapes_and_parameter_counts():
    rows = {r.model: r for r in published.jurassic1_architectures()}
    assert list(rows) == ["GPT-3 6.7B", "J1-Large", "GPT-3 175B", "J1-Jumbo"]
    jumbo, gpt3 = rows["J1-Jumbo"], rows["GPT-3 175B"]
    assert (jumbo.n_layers, jumbo.d_model) == (76, 13824)
    assert jumbo.aspect_ratio > gpt3.aspect_ratio  # shallower and wider
    for r in rows.values():  # 12 L d^2 + V d reproduces each printed size within 2%
        assert abs(r.approx_params() / r.n_params - 1) < 0.02, r


def test_clark_routed_law_ships_only_the_verified_method_and_its_identities():
    laws = published.clark2022_routed_laws()
    assert [law.method for law in laws] == ["S-BASE"]
    allrows = published.clark2022_routed_laws(verified_only=False)
    assert [law.method for law in allrows] == ["S-BASE", "RL-R", "Hash"]
    assert all(np.isnan(law.a) for law in allrows[1:])  # one source only: not verified
    s = laws[0]
    assert s.e_hat(1) == pytest.approx(s.E_start) and s.e_hat(1e9) == pytest.approx(s.E_max, rel=1e-3)
    n = np.array([1e7, 1e8, 1e9])
    assert np.allclose(s.effective_params(n, 1), n)  # one expert is the dense model
    n_eff = s.effective_params(n, 64)
    assert np.allclose(s.loss(n_eff, 1), s.loss(n, 64))  # same loss as the routed model
    assert np.all(n_eff > n) and np.all(np.diff(n_eff / n) < 0)  # routing helps less as N grows
