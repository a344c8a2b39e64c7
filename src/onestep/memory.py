"""Memory model of the pipeline's jobs: peak MB from the config sizes, and the budget check.

A job's peak resident memory is its process base (Python, NumPy, pandas and SciPy, plus torch
for the scripts that import it, plus ~35 MB the allocator and BLAS keep once arrays are in use)
and 8 bytes per float64 element of the arrays it holds at its worst moment. Those arrays are
counted from the code of each job (below, per rule, with the sizes ``d``, ``N = round(phi d)``,
``n = round(psi d)``, ``m`` samples, ...) and the counts were checked against peaks measured with
``/usr/bin/time`` at two or three sizes each (the measured table is in the README, section
"Memory"). Rules whose arrays stay small (theory, tables, plots) get their base alone.

:func:`estimate_mb` is each rule's ``resources: mem_mb`` (plus the Snakemake processes of a SLURM
job, ``SNAKEMAKE_MB`` in rules/common.smk); :func:`check_memory_budget` runs in the Snakefile
right after :func:`onestep.validation.validate_config` and rejects a config whose largest job
would not fit ``memory_budget_mb`` (``auto``: :data:`AUTO_FRACTION` of this machine's physical
memory), naming the config key that drives that job.
"""

from __future__ import annotations

import os

from .config import learning_methods
from .validation import ConfigError

__all__ = ["AUTO_FRACTION", "BASE_MB", "MemoryBudgetError", "SMALL_JOB_MB", "check_memory_budget",
           "estimate_mb", "job_estimates", "memory_budget_mb", "physical_memory_mb", "small_rules"]

AUTO_FRACTION = 0.75
# Measured resident size of each script's process before its arrays (MiB; /usr/bin/time and the
# Snakemake benchmark max_rss of the smallest jobs, plus the ~35 MB that appears with the first
# large arrays): numpy + pandas (+ scipy), torch where the script imports onestep.model, and
# matplotlib + seaborn for the figures.
BASE_MB = {"numpy": 150, "scipy": 190, "torch": 330, "matplotlib": 270}
_ELEMENT_MB = 8 / 2**20  # one float64 element in MiB, the unit of max_rss (common.smk converts)


class MemoryBudgetError(ConfigError):
    """The config's largest job would not fit ``memory_budget_mb``; the message says which."""


def _network(config: dict, d: int) -> tuple[int, int]:
    model = config["model"]
    return round(model["phi"] * d), round(model["psi"] * d)


def _quadrature(config: dict) -> float:
    """Elements of one sector spectrum (:func:`onestep.kernels.sectors.sector_spectrum`): the
    kernel rows of the (kappa, r) grid, (L + 1) (n_kappa n_r)^2 / 2 with L = 2, and the pair
    kernel of one 64-row block against the grid and the t nodes, 64 n_kappa n_r n_t, with its
    temporaries (6 such arrays, measured: 1246 MiB at nodes (80, 48, 80), 310 at (40, 24, 40))."""
    quad = config["kernels"]["quadrature"]
    pairs = quad["n_kappa"] * quad["n_r"]
    return 1.5 * pairs**2 + 6 * 64 * pairs * quad["n_t"]


def _gram(m: int, block: int = 2048) -> float:
    """Elements of an m x m Gram of a Gaussian kernel while it is filled: the matrix, and two
    temporaries of the closed-form row blocks (``block`` rows at a time)."""
    return m * m + 2 * min(m, block) * m


# Generic-activation Grams (onestep.kernels.series: no closed form, e.g. tanh) hold per point
# series tables of series_terms(RHO_MAX) = 40 terms x 60-110 xi nodes, and their compressed
# factors: about 4000 elements per point at the peak (tanh against relu at the same sizes:
# 4600 per point at 1040 points, 2150 at 2600 where relu's own peak is larger). They are freed
# before the Cholesky factors exist, so they count against the solve, not on top of it.
_SERIES_PER_POINT = 4000


def _generic(students) -> bool:
    """Whether a Gram of these students needs the series path (no closed-form pair kernel)."""
    from .kernels.pairs import CLOSED_FORMS

    return any(student not in CLOSED_FORMS for student in students)


def _terms(rule: str, config: dict, d: int | None) -> tuple[str, list[tuple[float, str]]]:
    """``(base, [(float64 elements, config key), ...])`` held at the peak of one job of ``rule``;
    the sizes it uses are in :func:`_sizes`.

    ``d`` is the job's dimension (its ``d`` wildcard); the key names the config entry whose
    value sets that term's size.
    """
    kernels, learning = config["kernels"], config["learning"]
    if rule == "simulate":  # W0, torch's copy and the gradient (N x d); X (n x d); the
        N, n = _network(config, d)  # pre-activations and their gradient in backward (n x N)
        return "torch", [(2 * n * N + 3 * N * d + n * d, "d")]
    if rule == "estimate_spike":  # W0, W1 and (W1 - W0)/sqrt(N) (N x d), the d x d or N x N Gram
        N, _ = _network(config, d)  # of the top singular vectors
        return "scipy", [(3 * N * d + min(N, d) ** 2, "d")]
    if rule == "kernel_gap":  # W0, W1 loaded; two Gaussian Grams and the RF Gram (n_test^2);
        N, _ = _network(config, d)  # the RF features s(X W'^T) (n_test x N, and a temporary)
        t = kernels["gap"]["n_test"]
        return "scipy", [(2 * N * d, "d"),
                         (_gram(t) + 2 * t * t + 2 * t * N + t * d, "kernels.gap.n_test")]
    if rule == "kernel_spectrum":  # W0, W1 loaded; X (m x d); then either the sector spectra
        N, _ = _network(config, d)  # or the Gram being filled, the inner products and the
        m = kernels["n_samples"]  # Lanczos copy K/m (m x m) with the RF features (m x N)
        gram, quad = _gram(m) + 2 * m * m + m * N, _quadrature(config)
        return "scipy", [(2 * N * d + m * d, "kernels.d"), (gram, "kernels.n_samples")
                         if gram >= quad else (quad, "kernels.quadrature")]
    if rule == "sector_validation":  # the Gram being filled and the Lanczos copy K/m (m x m)
        m = kernels["small_d"]["n_samples"]
        return "scipy", [(_gram(m) + m * m, "kernels.small_d.n_samples"),
                         (_quadrature(config), "kernels.quadrature")]
    if rule == "learning_curve":
        N, _ = _network(config, d)
        n = round(max(learning["alpha"]) * d)  # the nested design's largest training set
        t, methods = learning["n_test"], learning_methods(config)
        fixed = 2 * N * d + (n + t) * d  # W0, W1; X_train, X_test
        # kernels (onestep.curves): the inner products and one kernel's Grams, train (n x n) and
        # test (t x n), held together; while they fill, the closed forms' row-block temporaries
        # or a generic activation's series tables; then the Cholesky factor (n x n), except with
        # the sum convention, where one shift serves every size and K is factored in place.
        m = n + t
        grams = 2 * n * n + 2 * t * n
        filling = _SERIES_PER_POINT * m if _generic(learning["students"]) \
            else 2 * min(m, 2048) * m
        factor = 0 if learning["ridge_convention"] == "sum" else n * n
        kernel = grams + max(filling, factor) \
            if any(m.startswith("krr_") for m in methods) else 0
        # features s(X W^T) (n + t) x N, the dual or primal Gram and its factor
        features = 2 * (n + t) * N + 2 * min(n, N) ** 2 \
            if {"rf_post", "rf_init"} & set(methods) else 0
        key = "learning.n_test" if t > n else "learning.alpha"
        return "torch", [(fixed, "learning.d"), (max(kernel, features), key)]
    if rule == "network_theory":  # sRF theory on the drawn weights (onestep.srf_neurons)
        N, _ = _network(config, d)
        if config["model"]["second_layer"] == "constant":  # common shift: no N x N matrices
            return "numpy", [(12 * N * d + 5e6, "learning.d")]  # measured 11.9 N d + 35 MiB
        # per-neuron spikes: N x N Gram, its eigenvectors and the solves' matrices, measured
        # 36.6 N^2 at N = 400, 800 and 1600; W0, W1 and the centred copy (N x d)
        return "numpy", [(37 * N * N + 3 * N * d, "learning.d")]  # (job max_rss 195 MB at N=400)
    if rule in ("learning_theory", "theory_curves"):  # sector spectra on the quadrature grid
        return "scipy", [(_quadrature(config), "kernels.quadrature")]
    if rule.startswith("plot_"):  # matplotlib and seaborn (benchmark max_rss 260-270 MB)
        return "matplotlib", []
    return "numpy", []


def _sizes(rule: str, config: dict, d: int | None) -> str:
    kernels, learning = config["kernels"], config["learning"]
    if rule in ("learning_theory", "theory_curves", "sector_validation"):
        quad = "quadrature ({n_kappa}, {n_r}, {n_t})".format(**kernels["quadrature"])
        return f"m={kernels['small_d']['n_samples']}, {quad}" \
            if rule == "sector_validation" else quad
    if d is None:
        return ""
    N, n = _network(config, d)
    extra = {"kernel_gap": f", n_test={kernels['gap']['n_test']}",
             "kernel_spectrum": f", m={kernels['n_samples']}",
             "learning_curve": f", n_train={round(max(learning['alpha']) * d)}, "
                               f"n_test={learning['n_test']}"}.get(rule, f", n={n}")
    return f"d={d}, N={N}{extra}"


def estimate_mb(rule: str, config: dict, *, d: int | None = None) -> int:
    """Estimated peak resident memory (MiB) of one job of ``rule`` for ``config``.

    Parameters
    ----------
    rule : str
        A rule of the workflow; rules without arrays that grow with the config get their base.
    config : dict
        A validated config.
    d : int, optional
        The job's dimension (its ``d`` wildcard); needed by simulate, estimate_spike,
        kernel_gap, kernel_spectrum and learning_curve.

    Returns
    -------
    int
        Rounded up to the next 10 MiB.
    """
    base, terms = _terms(rule, config, d)
    total = BASE_MB[base] + _ELEMENT_MB * sum(elements for elements, _ in terms)
    return int(-(-total // 10) * 10)


def _dimensions(config: dict) -> list[tuple[str, int]]:
    spike, finite = config["spike"], config["spike"]["finite_size"]["d"]
    return [("spike.d", spike["d"]), *[("spike.finite_size.d", d) for d in finite],
            ("spike.shape.d", spike["shape"]["d"]), ("kernels.d", config["kernels"]["d"]),
            ("learning.d", config["learning"]["d"])]


def job_estimates(config: dict) -> list[dict]:
    """Every heavy kind of job of ``config`` with its estimate.

    Returns
    -------
    list of dict
        ``rule``, ``sizes`` (text), ``mb``, ``key`` (the config key whose value drives the
        largest term) and ``value`` (that key's value), one per rule and distinct ``d``.
    """
    kernels, learning = config["kernels"], config["learning"]
    where = {"kernels.gap.n_test": kernels["gap"]["n_test"], "kernels.n_samples":
             kernels["n_samples"], "kernels.small_d.n_samples": kernels["small_d"]["n_samples"],
             "kernels.quadrature": kernels["quadrature"], "learning.n_test": learning["n_test"],
             "learning.alpha": learning["alpha"], "learning.d": learning["d"],
             "kernels.d": kernels["d"]}
    jobs = [("simulate", key, d) for key, d in _dimensions(config)]
    jobs += [("estimate_spike", key, d) for key, d in _dimensions(config)]
    jobs += [("kernel_gap", "spike.finite_size.d", d) for d in config["spike"]["finite_size"]["d"]]
    jobs += [("kernel_spectrum", "kernels.d", kernels["d"]), ("sector_validation", "", None),
             ("learning_curve", "learning.d", learning["d"]),
             ("network_theory", "learning.d", learning["d"]), ("learning_theory", "", None),
             ("theory_curves", "", None)]
    out = []
    for rule, d_key, d in jobs:
        _, terms = _terms(rule, config, d)
        key = max(terms, key=lambda term: term[0])[1] if terms else d_key
        key = d_key if key == "d" else key
        out.append({"rule": rule, "sizes": _sizes(rule, config, d),
                    "mb": estimate_mb(rule, config, d=d), "key": key,
                    "value": d if key == d_key else where.get(key)})
    return out


# A cluster job costs two Snakemake start-ups (~7 s, profiles/slurm). Below this estimate the
# rules of SMALL_RULES take a few seconds per job (measured: estimate_spike 1-4 s, kernel_gap
# 1-2 s, network_theory 2-5 s, learning_curve 4-8 s), so they run locally instead.
SMALL_JOB_MB = 500
SMALL_RULES = ("estimate_spike", "kernel_gap", "network_theory", "learning_curve")


def small_rules(config: dict, *, limit_mb: int = SMALL_JOB_MB) -> set[str]:
    """The rules of ``SMALL_RULES`` whose largest job for ``config`` is estimated at most
    ``limit_mb``: the Snakefile makes them ``localrules`` (no effect on local runs)."""
    largest = {}
    for job in job_estimates(config):
        largest[job["rule"]] = max(largest.get(job["rule"], 0), job["mb"])
    return {rule for rule in SMALL_RULES if largest[rule] <= limit_mb}


def physical_memory_mb() -> int:
    """This machine's physical memory (MiB), from ``sysconf``."""
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20)


def memory_budget_mb(config: dict) -> int:
    """``memory_budget_mb`` of the config in MiB (``auto``: :data:`AUTO_FRACTION` of the
    physical memory of the machine that runs Snakemake, read now)."""
    budget = config.get("memory_budget_mb", "auto")
    return int(AUTO_FRACTION * physical_memory_mb()) if budget == "auto" else int(budget)


def check_memory_budget(config: dict) -> None:
    """Raise :class:`MemoryBudgetError` (a ``ConfigError``) if the largest job of ``config``
    would not fit its ``memory_budget_mb``; the one-line message names the config key that drives
    that job, its value, the job, the estimate and the budget."""
    budget = memory_budget_mb(config)
    job = max(job_estimates(config), key=lambda j: j["mb"])
    if job["mb"] <= budget:
        return
    given = config.get("memory_budget_mb", "auto")
    how = f"auto: {AUTO_FRACTION:g} of {physical_memory_mb()} MB of physical memory" \
        if given == "auto" else "set in the config"
    sizes = f" ({job['sizes']})" if job["sizes"] else ""
    raise MemoryBudgetError(
        f"config key '{job['key']}' = {job['value']!r}: job {job['rule']}{sizes} needs an "
        f"estimated {job['mb']} MB (onestep.memory), above memory_budget_mb = {budget} MB "
        f"({how}); expected a smaller {job['key']}, or a larger memory_budget_mb on a machine "
        "that has it (e.g. the SLURM profile)")
