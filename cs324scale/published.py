"""Published scaling-law data shipped with the kit, with provenance.

Every table lives in ``cs324scale/_data/`` next to a README that names the paper, the
table or equation, and how each number was checked. An empty cell in those files
means "not verified" and is returned as NaN (or left out), never as zero.

Loaders read plain CSV with the standard library (no pandas) and fail with a
``ValueError`` naming the file when it is missing or malformed.
"""

from __future__ import annotations

import csv
import math
from importlib import resources
from typing import NamedTuple

import numpy as np

DATA_PACKAGE = "cs324scale._data"


def data_path(name: str):
    """Path (a ``Traversable``) of a shipped data file, e.g. ``"kaplan2020_constants.csv"``."""
    return resources.files("cs324scale").joinpath("_data", *name.split("/"))


def _read_rows(name: str, required: tuple[str, ...]) -> list[dict[str, str]]:
    path = data_path(name)
    if not path.is_file():
        raise ValueError(
            f"Data file {name!r} is missing from the installed package ({path}). "
            "Reinstall cs324scale (pip install -e .) so that cs324scale/_data/ is complete."
        )
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in required if c not in header]
        if missing:
            raise ValueError(
                f"Data file {name!r} is malformed: columns {missing} are missing "
                f"(found {header}). Restore the file from the repository."
            )
        rows = list(reader)
    if not rows:
        raise ValueError(f"Data file {name!r} has a header but no rows; restore it from the repository.")
    return rows


def _number(name: str, row_no: int, column: str, text: str) -> float:
    """Parse a numeric cell; an empty cell (unverified) becomes NaN."""
    if text is None or text.strip() == "":
        return math.nan
    try:
        return float(text)
    except ValueError as err:
        raise ValueError(
            f"Data file {name!r} is malformed: row {row_no}, column {column!r} holds {text!r}, "
            "not a number."
        ) from err


# --------------------------------------------------------------------------- text


def tinyshakespeare() -> str:
    """The tiny-Shakespeare corpus (1,115,394 characters; Karpathy's char-rnn copy)."""
    path = data_path("tinyshakespeare.txt")
    if not path.is_file():
        raise ValueError(
            "Data file 'tinyshakespeare.txt' is missing from the installed package; reinstall cs324scale."
        )
    return path.read_text(encoding="utf-8")


# ------------------------------------------------------------------- Strubell 2019


def strubell_co2e() -> list[dict]:
    """Strubell et al. 2019 (ACL), Table 1: CO2-equivalent emissions in pounds.

    Returns:
        A list of ``{"group", "item", "co2e_lbs"}`` dicts in the table's order.
    """
    name = "strubell2019_table1_co2e.csv"
    rows = _read_rows(name, ("group", "item", "co2e_lbs"))
    return [
        {"group": r["group"], "item": r["item"], "co2e_lbs": _number(name, i, "co2e_lbs", r["co2e_lbs"])}
        for i, r in enumerate(rows, start=2)
    ]


class Architecture(NamedTuple):
    """One row of Lieber et al. 2021 (Jurassic-1 technical report), Table 1."""

    model: str
    n_params: float
    n_layers: int
    d_model: int
    n_heads: int
    d_head: int
    n_vocab: int  # as printed ("50K", "256K"), rounded to 50000 and 256000

    @property
    def aspect_ratio(self) -> float:
        """Width over depth, ``d_model / n_layers`` (Kaplan et al. 2020, Fig. 5)."""
        return self.d_model / self.n_layers

    def approx_params(self) -> float:
        """``12 n_layers d_model^2`` (Kaplan et al. 2020, Eq. 2.1, non-embedding) plus the
        ``n_vocab x d_model`` token embedding."""
        return 12 * self.n_layers * self.d_model**2 + self.n_vocab * self.d_model


def jurassic1_architectures() -> list[Architecture]:
    """Jurassic-1 beside GPT-3 at two sizes: Lieber, Sharir, Lenz & Shoham 2021,
    "Jurassic-1: Technical Details and Evaluation" (AI21 Labs white paper), Table 1.

    J1-Jumbo (178B) is shallower and wider than GPT-3 175B (76 layers of 13824 against
    96 of 12288), a choice the report bases on Levine et al. 2020's depth-efficiency
    analysis; J1-Large keeps GPT-3 6.7B's shape with a 5x larger vocabulary.
    """
    name = "jurassic1_vs_gpt3_architecture.csv"
    cols = ("model", "n_params", "n_layers", "d_model", "n_heads", "d_head", "n_vocab_approx")
    out = []
    for i, r in enumerate(_read_rows(name, cols), start=2):
        nums = [_number(name, i, c, r[c]) for c in cols[1:]]
        if any(math.isnan(v) for v in nums):
            raise ValueError(f"Data file {name!r} is malformed: row {i} has an empty cell.")
        out.append(Architecture(r["model"], nums[0], *(int(v) for v in nums[1:])))
    return out


class RoutedLaw(NamedTuple):
    """Clark et al. 2022's scaling law for routed (mixture-of-experts) language models.

    ``log L(N, E) = a log N + b log Ê + c log N log Ê + d`` (Eq. 1, logs base 10), where
    ``N`` is the dense base model's parameter count, ``E`` the number of experts and
    ``Ê`` the saturating expert count of :meth:`e_hat`.

    References: https://arxiv.org/abs/2202.01169
    """

    method: str
    a: float
    b: float
    c: float
    d: float
    E_start: float
    E_max: float

    def e_hat(self, experts):
        """``1/Ê = 1/(E - 1 + (1/E_start - 1/E_max)^-1) + 1/E_max``: E_start at E = 1, E_max as E grows."""
        e = np.asarray(experts, float)
        return 1 / (1 / (e - 1 + 1 / (1 / self.E_start - 1 / self.E_max)) + 1 / self.E_max)

    def loss(self, n_params, experts):
        """``L(N, E)`` from Eq. 1."""
        log_n, log_e = np.log10(np.asarray(n_params, float)), np.log10(self.e_hat(experts))
        return 10 ** (self.a * log_n + self.b * log_e + self.c * log_n * log_e + self.d)

    def effective_params(self, n_params, experts):
        """The dense size with the same loss, ``L(N_eff, 1) = L(N, E)`` (Clark et al.'s
        effective parameter count): ``log N_eff = ((a + c log Ê) log N + b (log Ê - log
        E_start)) / (a + c log E_start)``."""
        log_n, log_e = np.log10(np.asarray(n_params, float)), np.log10(self.e_hat(experts))
        log_e1 = np.log10(self.E_start)
        return 10 ** (((self.a + self.c * log_e) * log_n + self.b * (log_e - log_e1)) / (self.a + self.c * log_e1))


def clark2022_routed_laws(*, verified_only: bool = True) -> list[RoutedLaw]:
    """Fitted routed-LM laws per routing method (S-BASE, RL-R, Hash): Clark et al. 2022,
    "Unified Scaling Laws for Routed Language Models", Eq. 1 and its table of solutions.

    Only S-BASE is verified (two secondary sources agree; ``_data/README.md`` says how);
    the others are returned with NaN coefficients when ``verified_only=False``.

    References: https://arxiv.org/abs/2202.01169
    """
    name = "clark2022_routed_law.csv"
    cols = ("method", "a", "b", "c", "d", "E_start", "E_max")
    out = []
    for i, r in enumerate(_read_rows(name, cols), start=2):
        law = RoutedLaw(r["method"], *(_number(name, i, c, r[c]) for c in cols[1:]))
        if not verified_only or not any(math.isnan(v) for v in law[1:]):
            out.append(law)
    return out


# ---------------------------------------------------------------------- Kaplan 2020


def kaplan_constants(table: str = "single") -> dict[str, float]:
    """Constants of Kaplan et al. 2020, "Scaling Laws for Neural Language Models".

    Args:
        table: ``"single"`` for the one-variable laws of Eq. (1.1)-(1.3) and Tables 5-6
            (``alpha_N, N_c, alpha_D, D_c, alpha_C_min, C_c_min, ...``), ``"joint"`` for
            the L(N, D) fit of Sec. 4.2 Table 2 (``alpha_N, alpha_D, N_c, D_c``), or
            ``"steps"`` for the L(N, S) fit of Sec. 5 Table 3 (``alpha_N, alpha_S, N_c,
            S_c``).

    Returns:
        Mapping from symbol to value. N counts non-embedding parameters; D is tokens;
        compute is in PF-days; loss is nats/token on WebText2.
    """
    name = "kaplan2020_constants.csv"
    rows = _read_rows(name, ("quantity", "symbol", "value", "where_in_paper"))
    out: dict[str, float] = {}
    for i, r in enumerate(rows, start=2):
        is_joint = r["quantity"].startswith("joint fit L(N;D)")
        if (table == "joint" and is_joint) or (table == "steps" and r["quantity"].startswith("joint fit L(N;S)")):
            out[r["symbol"]] = _number(name, i, "value", r["value"])
        elif table == "single" and not r["quantity"].startswith("joint fit"):
            if r["symbol"] in out:  # keep the first (Eq. 1.x) value, e.g. B_star = 2e8
                continue
            out[r["symbol"]] = _number(name, i, "value", r["value"])
    if table not in ("single", "joint", "steps"):
        raise ValueError(f"table must be 'single', 'joint' or 'steps'; got {table!r}.")
    return out


# ------------------------------------------------------------- Chinchilla (Epoch)


class ChinchillaPoints(NamedTuple):
    """Hoffmann et al. 2022 Fig. 4 runs as recovered by Besiroglu et al. 2024 (Epoch AI).

    All arrays have shape ``(n,)``: parameters ``N`` (including embeddings), training
    FLOPs ``C``, tokens ``D = C / (6 N)`` and final training ``loss`` (nats/token).
    """

    N: np.ndarray
    C: np.ndarray
    D: np.ndarray
    loss: np.ndarray


def chinchilla_points() -> ChinchillaPoints:
    """All 245 (N, C, loss) points of Epoch's replication (arXiv:2404.10102).

    Tokens are derived as ``D = C / (6 N)``, as the replication does. Outliers are kept;
    use :func:`drop_highest_losses` for Epoch's rule (drop the 5 highest losses).
    """
    name = "chinchilla/svg_extracted_data.csv"
    rows = _read_rows(name, ("Model Size", "Training FLOP", "loss"))
    N = np.array([_number(name, i, "Model Size", r["Model Size"]) for i, r in enumerate(rows, 2)])
    C = np.array([_number(name, i, "Training FLOP", r["Training FLOP"]) for i, r in enumerate(rows, 2)])
    loss = np.array([_number(name, i, "loss", r["loss"]) for i, r in enumerate(rows, 2)])
    if not (np.isfinite(N).all() and np.isfinite(C).all() and np.isfinite(loss).all()):
        raise ValueError(f"Data file {name!r} is malformed: it has empty numeric cells.")
    return ChinchillaPoints(N=N, C=C, D=C / (6.0 * N), loss=loss)


def drop_highest_losses(points: ChinchillaPoints, k: int = 5) -> ChinchillaPoints:
    """Epoch's outlier rule: remove the ``k`` points with the highest loss (245 -> 240)."""
    if not isinstance(k, int) or k < 0 or k >= len(points.loss):
        raise ValueError(f"k must be an int in [0, {len(points.loss) - 1}]; got {k!r}.")
    keep = np.sort(np.argsort(points.loss)[: len(points.loss) - k])
    return ChinchillaPoints(*(a[keep] for a in points))


def chinchilla_parametric_fits() -> dict[str, dict[str, float]]:
    """Published fits of L(N, D) = E + A/N^alpha + B/D^beta.

    Returns:
        ``{"hoffmann2022": {...}, "besiroglu2024": {...}}`` with keys ``E, A, B, alpha,
        beta`` (and ``*_se`` standard errors where published). Hoffmann et al. 2022,
        Appendix D.2 Eq. (10); Besiroglu et al. 2024 Table 1 (secondary copies, see
        the data README).
    """
    name = "chinchilla_parametric_fits.csv"
    rows = _read_rows(name, ("source", "E", "A", "B", "alpha", "beta"))
    out = {}
    for i, r in enumerate(rows, start=2):
        key = "hoffmann2022" if r["source"].startswith("Hoffmann") else "besiroglu2024"
        vals = {c: _number(name, i, c, r[c]) for c in ("E", "A", "B", "alpha", "beta")}
        for c in ("E_se", "A_se", "B_se", "alpha_se", "beta_se"):
            if r.get(c):
                vals[c] = _number(name, i, c, r[c])
        out[key] = vals
    return out


def epoch_intervals() -> dict[str, tuple[float, float]]:
    """Epoch's 95% bootstrap intervals for the Chinchilla fit (Besiroglu et al. 2024).

    Read from the shipped data README (``_data/chinchilla/README.md``, the row
    "Epoch 95% bootstrap CI", from Epoch's notebook output).

    References:
        Besiroglu et al. 2024, https://arxiv.org/abs/2404.10102

    Returns:
        ``{"A": (lo, hi), "B": ..., "E": ..., "alpha": ..., "beta": ...}``.
    """
    name = "chinchilla/README.md"
    lines = data_path(name).read_text().splitlines()
    try:
        header = next(ln for ln in lines if ln.startswith("| source |"))
        row_no, row = next(
            (i, ln) for i, ln in enumerate(lines, 1) if ln.startswith("| Epoch 95% bootstrap CI")
        )
    except StopIteration:
        raise ValueError(
            f"{name} has no '| source |' header or no 'Epoch 95% bootstrap CI' row; "
            "restore the shipped README."
        ) from None
    names = [c.strip() for c in header.strip("|").split("|")][1:]
    cells = [c.strip() for c in row.strip("|").split("|")][1:]
    out = {}
    for n, c in zip(names, cells, strict=True):
        parts = c.split("..")
        if len(parts) != 2:
            raise ValueError(f"{name}: the {n} interval {c!r} is not 'low .. high'.")
        out[n] = tuple(_number(name, row_no, n, v.strip()) for v in parts)
    return out


def hoffmann_table3() -> dict[str, np.ndarray]:
    """Hoffmann et al. 2022 Table 3 (approach-1 projections): ``parameters``, ``flops``, ``tokens``."""
    name = "hoffmann2022_table3_approach1.csv"
    rows = _read_rows(name, ("parameters", "training_flops", "tokens"))
    return {
        "parameters": np.array([_number(name, i, "parameters", r["parameters"]) for i, r in enumerate(rows, 2)]),
        "flops": np.array([_number(name, i, "training_flops", r["training_flops"]) for i, r in enumerate(rows, 2)]),
        "tokens": np.array([_number(name, i, "tokens", r["tokens"]) for i, r in enumerate(rows, 2)]),
    }


def hoffmann_table2() -> list[dict]:
    """Hoffmann et al. 2022 Table 2: exponents a (N_opt ~ C^a) and b (D_opt ~ C^b) per approach."""
    name = "hoffmann2022_table2_exponents.csv"
    rows = _read_rows(name, ("approach", "a_Nopt_exponent", "b_Dopt_exponent"))
    cols = ("a_Nopt_exponent", "a_p10", "a_p90", "b_Dopt_exponent", "b_p10", "b_p90")
    return [{"approach": r["approach"], **{c: _number(name, i, c, r.get(c, "")) for c in cols}}
            for i, r in enumerate(rows, 2)]


# Porian et al. 2024's ladder: one factor at a time from Kaplan's setup to Chinchilla's.
PORIAN_STEPS = (
    ("Kaplan's setup", ("base", "long", "kaplan", "kaplan")),
    ("count the last layer", ("base", "long", "kaplan", "standard")),
    ("short warmup", ("base", "short", "kaplan", "standard")),
    ("Chinchilla-style decay", ("base", "short", "chinchilla", "standard")),
    ("tuned hyperparameters, constant lr", ("tuned", "short", "const", "standard")),
)


def porian2024_ladder(dataset: str = "refinedweb") -> list[dict]:
    """Porian et al. 2024 (arXiv:2406.19146): the N_opt ~ C^a exponent at each step.

    Each step changes one factor of Kaplan et al.'s setup towards Hoffmann et al.'s
    (:data:`PORIAN_STEPS`); numbers read from the authors' released fits
    (``_data/porian2024/README.md``).

    Args:
        dataset: ``"refinedweb"`` or ``"openwebtext2"``.

    Returns:
        One dict per step, in ladder order: ``step, a, b, r2, budgets`` (``a``: N_opt
        exponent, ``b``: tokens exponent, ``r2``: of the log-log fit over ``budgets``
        per-budget optima).
    """
    name = "porian2024/compute_optimal_exponents.csv"
    rows = _read_rows(name, ("dataset", "hparams", "warmup", "decay", "param_count", "a_n_exponent"))
    datasets = sorted({r["dataset"] for r in rows})
    if dataset not in datasets:
        raise ValueError(f"dataset must be one of {datasets}; got {dataset!r}.")
    by_setting = {
        (r["hparams"], r["warmup"], r["decay"], r["param_count"]): (i, r)
        for i, r in enumerate(rows, start=2)
        if r["dataset"] == dataset
    }
    out = []
    for step, setting in PORIAN_STEPS:
        i, r = by_setting[setting]
        out.append({
            "step": step,
            "a": _number(name, i, "a_n_exponent", r["a_n_exponent"]),
            "b": _number(name, i, "b_t_exponent", r["b_t_exponent"]),
            "r2": _number(name, i, "n_r2", r["n_r2"]),
            "budgets": int(_number(name, i, "budgets", r["budgets"])),
        })
    return out


# -------------------------------------------------------------------- GPT-3 (H.1)


class BenchmarkRow(NamedTuple):
    """One cell of GPT-3 Table H.1: accuracy is NaN where the cell is not verified."""

    task: str
    setting: str
    model: str
    n_params: float
    accuracy_pct: float
    status: str


def gpt3_table_h1(task: str | None = None, setting: str | None = None, *, verified_only: bool = True) -> list[BenchmarkRow]:
    """GPT-3 Table H.1 rows for WinoGrande, Winograd, SAT analogies and WiC (Brown et al. 2020).

    Args:
        task: filter, e.g. ``"WinoGrande"``; ``None`` for all four tasks.
        setting: ``"zero-shot"``, ``"one-shot"`` or ``"few-shot"``; ``None`` for all.
        verified_only: drop cells that could not be verified (they would be NaN).
    """
    name = "gpt3_tableH1_winogrande_winograd_sat_wic.csv"
    rows = _read_rows(name, ("task", "setting", "model", "n_params", "accuracy_pct", "status"))
    known_tasks = sorted({r["task"] for r in rows})
    if task is not None and task not in known_tasks:
        raise ValueError(f"task must be one of {known_tasks}; got {task!r}.")
    out = []
    for i, r in enumerate(rows, start=2):
        if (task and r["task"] != task) or (setting and r["setting"] != setting):
            continue
        acc = _number(name, i, "accuracy_pct", r["accuracy_pct"])
        if verified_only and math.isnan(acc):
            continue
        out.append(BenchmarkRow(r["task"], r["setting"], r["model"],
                                _number(name, i, "n_params", r["n_params"]), acc, r["status"]))
    return out


class LaterModelScore(NamedTuple):
    """One published score of a model released after GPT-3 (Gopher, Chinchilla, PaLM, LLaMA, GPT-4, ...).

    Attributes:
        model: the model as its paper names it, e.g. ``"PaLM 540B"``.
        organisation: who trained it.
        n_params: parameter count; NaN where it is not published (GPT-4, GPT-3.5).
        setting: ``"zero-shot"``, ``"one-shot"`` or ``"few-shot"``.
        k_shots: number of in-context examples (0, 1, or the K of few-shot).
        accuracy_pct: the score in %; NaN where it could not be verified.
        paper: the model's paper.
        status: how the number was checked (see ``_data/README.md``).
    """

    model: str
    organisation: str
    n_params: float
    setting: str
    k_shots: int
    accuracy_pct: float
    paper: str
    status: str


def later_model_scores(task: str = "WinoGrande", *, verified_only: bool = True) -> list[LaterModelScore]:
    """Scores of later language models on a GPT-3 benchmark, read from their papers' tables.

    Args:
        task: a Table H.1 task; the file holds ``"WinoGrande"`` only (no later paper found
            in the checked copies reports SAT analogies), so any other task raises.
        verified_only: drop cells that could not be verified (their accuracy would be NaN).

    Returns:
        :class:`LaterModelScore` rows in file order.

    References:
        Hoffmann et al. 2022 (https://arxiv.org/abs/2203.15556) Table 8; Touvron et al. 2023
        (https://arxiv.org/abs/2302.13971) Table 3; Touvron et al. 2023b
        (https://arxiv.org/abs/2307.09288) Table 20; OpenAI 2023 (https://arxiv.org/abs/2303.08774)
        Table 2.
    """
    name = "later_models_winogrande_sat.csv"
    rows = _read_rows(name, ("model", "organisation", "n_params", "paper", "task", "setting",
                             "K_shots", "accuracy_pct", "status"))
    known = sorted({r["task"] for r in rows})
    if task not in known:
        raise ValueError(f"task must be one of {known}; got {task!r}.")
    out = []
    for i, r in enumerate(rows, start=2):
        if r["task"] != task:
            continue
        acc = _number(name, i, "accuracy_pct", r["accuracy_pct"])
        if verified_only and math.isnan(acc):
            continue
        out.append(LaterModelScore(r["model"], r["organisation"], _number(name, i, "n_params", r["n_params"]),
                                   r["setting"], int(_number(name, i, "K_shots", r["K_shots"])), acc,
                                   r["paper"], r["status"]))
    return out


class Baseline(NamedTuple):
    """One reference score quoted by Brown et al. 2020 beside Table H.1.

    Attributes:
        task: the task as Table H.1 names it (``gpt3_table_h1``'s ``task``), e.g.
            ``"Winograd"`` for the file's ``"Winograd (WSC273)"``.
        name: the baseline without its qualifier, e.g. ``"human performance"``.
        note: the qualifier the file gives after the name (a citation, the number of
            choices, the evaluation set), without brackets; ``""`` if none.
        value_pct: the score in %, NaN where the paper gives no number.
        gpt3: True for a GPT-3 result quoted beside the baselines (e.g. WiC's 175B
            few-shot score on the test set), False for a reference baseline.
        baseline: the file's full text of the baseline.
        source: where in the paper the number is quoted.
    """

    task: str
    name: str
    note: str
    value_pct: float
    gpt3: bool
    baseline: str
    source: str


def _split_qualifier(text: str) -> tuple[str, str]:
    """``"human performance (as reported by X [Y])"`` -> ``("human performance", "as reported by X [Y]")``."""
    cut = min((i for i in (text.find(" ("), text.find(" [")) if i >= 0), default=len(text))
    name, rest = text[:cut].strip(), text[cut:].strip()
    if len(rest) >= 2 and (rest[0], rest[-1]) in (("(", ")"), ("[", "]")):
        rest = rest[1:-1].strip()
    return name, rest


def gpt3_baselines(task: str | None = None) -> list[Baseline]:
    """Reference baselines quoted by Brown et al. 2020 (human, fine-tuned SOTA, chance).

    Args:
        task: filter by Table H.1 task name, e.g. ``"WinoGrande"``; ``None`` for all.

    Returns:
        :class:`Baseline` rows in file order; ``value_pct`` is NaN where the paper gives
        no number.
    """
    name = "gpt3_reference_baselines.csv"
    rows = _read_rows(name, ("task", "baseline", "value_pct"))
    out = []
    for i, r in enumerate(rows, 2):
        h1_task = _split_qualifier(r["task"])[0]
        short, note = _split_qualifier(r["baseline"])
        out.append(Baseline(h1_task, short, note, _number(name, i, "value_pct", r["value_pct"]),
                            r["baseline"].startswith("GPT-3"), r["baseline"],
                            r.get("source_location", "")))
    known = sorted({b.task for b in out})
    if task is not None and task not in known:
        raise ValueError(f"task must be one of {known}; got {task!r}.")
    return [b for b in out if task is None or b.task == task]


# ----------------------------------------------------------- Revisiting-NSL curves


class Curve(NamedTuple):
    """One learning curve of the Revisiting-NSL benchmark (Alabdulmohsin et al. 2022).

    ``x_*`` are examples seen, ``y_*`` the loss; ``*_train`` points are for fitting,
    ``*_test`` (larger x) for scoring extrapolation. Arrays are sorted by x.
    """

    domain: str
    task: str
    model: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


PLACEHOLDER_LOSS = 0.999  # the benchmark's cap on the normalised loss, not a measurement


REVISITING_NSL_DOMAINS = {"language": ("NMT", "LM", "BB"), "vision": ("IC",)}
"""Domain groups of the Revisiting-NSL benchmark: its two files, by the domains they hold."""


def revisiting_nsl_curves(
    domain: str | tuple[str, ...] | None = None, *, placeholders: bool = False
) -> list[Curve]:
    """The benchmark's 92 curves: 20 language (NMT, LM, BB) and 72 vision (IC), deduplicated.

    Read from ``benchmark.lang.csv`` and ``benchmark.vision.csv`` (Alabdulmohsin et al.
    2022), language curves first, each file in its own order. The upstream language
    file repeats each LM curve four times; exact duplicate rows are removed so that
    every point counts once. The first point of each of the five LM curves is the
    benchmark's placeholder loss :data:`PLACEHOLDER_LOSS` (losses are normalised and
    capped there), not a measured loss; it is dropped here, once for every notebook,
    unless ``placeholders=True``. (With it, the reference M4 estimator cannot fit the
    curve: its ``err_0 = 0.999`` makes ``log(err_0 - loss)`` infinite.) IC losses are
    n-shot error rates, and no IC point equals the placeholder.

    Args:
        domain: ``"NMT"``, ``"LM"``, ``"BB"`` or ``"IC"``; ``"language"`` (the 20
            curves of the language file) or ``"vision"`` (the 72 IC curves); a tuple
            of domains; ``None`` for all 92.
        placeholders: keep the placeholder points.
    """
    files = {"language": "revisiting_nsl/benchmark.lang.csv", "vision": "revisiting_nsl/benchmark.vision.csv"}
    known = [d for group in REVISITING_NSL_DOMAINS.values() for d in group]
    if domain is None:
        wanted = set(known)
    else:
        names = (domain,) if isinstance(domain, str) else tuple(domain)
        wanted = set()
        for d in names:
            if d in REVISITING_NSL_DOMAINS:
                wanted.update(REVISITING_NSL_DOMAINS[d])
            elif d in known:
                wanted.add(d)
            else:
                raise ValueError(
                    f"domain must be one of {known}, 'language', 'vision', a tuple of those, or "
                    f"None; got {d!r}."
                )
    curves = []
    for group, name in files.items():
        if not wanted & set(REVISITING_NSL_DOMAINS[group]):
            continue
        rows = _read_rows(name, ("Domain", "Task", "Model", "Seen Examples", "Loss", "Training"))
        seen, groups = set(), {}
        for i, r in enumerate(rows, start=2):
            key = tuple(r[c] for c in ("Domain", "Task", "Model", "Seen Examples", "Loss", "Training"))
            if key in seen or r["Domain"] not in wanted:
                continue
            seen.add(key)
            x = _number(name, i, "Seen Examples", r["Seen Examples"])
            y = _number(name, i, "Loss", r["Loss"])
            if abs(y - PLACEHOLDER_LOSS) < 1e-9 and not placeholders:  # stored as 0.999 or 0.9990000000000001
                continue
            split = r["Training"].strip()
            if split not in ("0", "1"):
                raise ValueError(f"Data file {name!r} is malformed: row {i} has Training={split!r}, expected 0 or 1.")
            groups.setdefault(key[:3], {"1": [], "0": []})[split].append((x, y))
        for (dom, task, model), parts in groups.items():
            tr = np.array(sorted(parts["1"])).reshape(-1, 2)
            te = np.array(sorted(parts["0"])).reshape(-1, 2)
            curves.append(Curve(dom, task, model, tr[:, 0], tr[:, 1], te[:, 0], te[:, 1]))
    return curves
