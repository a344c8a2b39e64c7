"""The DAG: dry runs of the default config, and a real run of a tiny config that checks
caching (a second run does nothing), targeted reruns, provenance and clean failure."""

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from onestep.config import finite_size_rows, kernel_rows, learning_rows, simulation_points

from conftest import REPO, copy_workflow, job_counts, run_snakemake, write_config

TINY = str(REPO / "tests" / "config-tiny.yaml")


def test_default_config_dry_run_plans_every_stage():
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    proc = run_snakemake(REPO, "-n", "--forceall")
    counts = job_counts(proc.stdout)
    # one simulate and one estimate_spike job per point, each running every seed
    assert counts["simulate"] == counts["estimate_spike"] == len(simulation_points(config))
    assert counts["theory"] == len(simulation_points(config))
    assert counts["kernel_spectrum"] == len(kernel_rows(config))
    assert counts["kernel_gap"] == len(finite_size_rows(config))
    assert counts["learning_curve"] == counts["network_theory"] == len(learning_rows(config))
    assert counts["learning_theory"] == len(learning_rows(config))
    assert counts["sector_validation"] == len(config["kernels"]["students"])
    assert counts["aggregate_spike"] == 3
    for rule in ("plot_spike_sweep", "plot_spike_shape", "plot_finite_size", "hermite_table",
                 "plot_kernel_spectrum", "plot_kernel_eigenvalues", "plot_kernel_mixing",
                 "plot_kernel_gap", "plot_learning_curves", "claims", "manifest"):
        assert counts[rule] == 1, rule


def test_preset_plans_in_its_own_directory(tmp_path):
    preset = str(REPO / "presets" / "cui2024.yaml")
    proc = run_snakemake(REPO, "-n", "--configfile", preset, "--directory", str(tmp_path))
    counts = job_counts(proc.stdout)
    assert counts["learning_curve"] > 0 and counts["plot_learning_curves"] == 1
    assert not (tmp_path / "results").exists()  # a dry run writes no results


def test_lint_is_clean():
    proc = run_snakemake(REPO, "--lint")
    assert "Congratulations" in proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """Run the whole tiny workflow once; the tests below inspect and perturb the result."""
    workdir = copy_workflow(tmp_path_factory.mktemp("tiny"))
    run_snakemake(workdir, "--cores", "2", "--configfile", TINY)
    return workdir


def test_second_run_does_nothing(tiny_run):
    proc = run_snakemake(tiny_run, "-n", "--configfile", TINY)
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_changing_one_step_size_reruns_only_its_dependants(tiny_run):
    config = {"spike": {"eta_t": [0.5, 1.5]}}  # 1.0 -> 1.5 in the sweep only
    override = write_config(tiny_run / "override.yaml", config)
    proc = run_snakemake(tiny_run, "-n", "--configfile", TINY, str(override))
    counts = job_counts(proc.stdout)
    # one student x one seed at the new step, its theory, the sweep table, the spike theory lines
    # (their grid ends at the largest step) and figure, the claims measured on that table, the
    # manifest of final outputs, and `all`; nothing of the other stages
    assert counts == {"simulate": 1, "estimate_spike": 1, "theory": 1, "aggregate_spike": 1,
                      "theory_curves": 1, "plot_spike_sweep": 1, "claims": 1, "manifest": 1,
                      "all": 1}, counts


def test_changing_a_model_parameter_reruns_the_simulations(tiny_run):
    override = write_config(tiny_run / "override.yaml", {"model": {"psi": 1.5}})
    counts = job_counts(run_snakemake(tiny_run, "-n", "--configfile", TINY, str(override)).stdout)
    n_points = len(list((tiny_run / "results" / "theory").rglob("*.json")))
    assert counts["simulate"] == n_points and counts["theory"] == n_points


def test_outputs_carry_provenance(tiny_run):
    table = pd.read_parquet(tiny_run / "results" / "tables" / "spike_sweep.parquet")
    for column in ("student", "d", "eta_t", "seed", "phi", "psi", "teacher", "git_commit"):
        assert column in table.columns, column
    record = json.loads(next((tiny_run / "results" / "theory").rglob("*.json")).read_text())
    assert set(record["packages"]) >= {"numpy", "torch", "snakemake"}
    assert isinstance(record["point"]["d"], int)
    for figure in ("spike_vs_step", "spike_shape", "spike_finite_size"):
        assert (tiny_run / "figures" / f"{figure}.png").stat().st_size > 10_000


def test_report_builds_with_every_figure_and_the_claims(tiny_run):
    run_snakemake(tiny_run, "--configfile", TINY, "--report", "report.html")
    html = (tiny_run / "report.html").read_text(errors="replace")
    for name in ("spike_vs_step.png", "kernel_spectrum.png", "learning_curves.png", "claims.csv"):
        assert name in html, name


def test_check_fails_loudly_on_a_failed_claim(tiny_run):
    claims_path = tiny_run / "results" / "tables" / "claims.csv"
    run_snakemake(tiny_run, "results/tables/claims.csv", "--cores", "1", "--configfile", TINY)
    claims = pd.read_csv(claims_path)
    # a consistent table (check also validates passed == (error <= tolerance)) with one failure
    claims[["error", "tolerance", "passed"]] = [0.0, 1.0, True]
    claims.loc[0, ["error", "tolerance", "passed"]] = [2.0, 1.0, False]
    claims.to_csv(claims_path, index=False)  # newer than its inputs: only `check` reruns
    proc = run_snakemake(tiny_run, "check", "--cores", "1", "--configfile", TINY, check=False)
    message = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "reproduction check FAILED" in message and claims.loc[0, "claim"] in message
    assert not (tiny_run / "results" / "check.txt").exists()
    claims.loc[0, ["error", "passed"]] = [0.5, True]
    claims.to_csv(claims_path, index=False)
    run_snakemake(tiny_run, "check", "--cores", "1", "--configfile", TINY)
    assert f"{len(claims)} passed, 0 failed" in (tiny_run / "results" / "check.txt").read_text()


FINAL = {"claims", "manifest", "all"}
SPIKE_DOWN = {"aggregate_spike", "plot_spike_sweep", "plot_spike_shape", "plot_finite_size"}
KERNEL_DOWN = {"aggregate_kernel_spectrum", "aggregate_kernel_gap", "kernel_eigenvalue_table",
               "plot_kernel_spectrum", "plot_kernel_eigenvalues", "plot_kernel_mixing",
               "plot_kernel_gap"}
LEARNING_DOWN = {"aggregate_learning", "plot_learning_curves"}


@pytest.mark.parametrize(("module", "expected"), [
    # the step: every simulation and everything computed from one
    ("model.py", {"simulate", "estimate_spike", "kernel_spectrum", "kernel_gap", "learning_curve",
                  "network_theory", "aggregate_network_theory"}
     | SPIKE_DOWN | KERNEL_DOWN | LEARNING_DOWN | FINAL),
    # spike estimates: not the simulations, not the theory
    ("spike.py", {"estimate_spike", "kernel_spectrum", "kernel_gap", "learning_curve"}
     | SPIKE_DOWN | KERNEL_DOWN | LEARNING_DOWN | FINAL),
    # kernel theory: the kernel jobs and the theory table, not the step or the learning curves
    ("kernels/predictions.py", {"kernel_spectrum", "kernel_gap", "sector_validation",
                                "theory_curves"} | KERNEL_DOWN | FINAL),
    # the solvers: learning curves, the linear floor of the theory table, the linear-ridge theory
    ("ridge.py", {"learning_curve", "theory_curves", "learning_theory",
                  "aggregate_learning_theory"} | LEARNING_DOWN | FINAL),
    # the KRR theory only
    ("curve_theory.py", {"learning_theory", "aggregate_learning_theory", "plot_learning_curves"}
     | FINAL),
    # drawing: figures only
    ("plotting.py", {"plot_spike_sweep", "plot_spike_shape", "plot_finite_size",
                     "plot_kernel_spectrum", "plot_kernel_eigenvalues", "plot_kernel_mixing",
                     "plot_kernel_gap", "plot_learning_curves", "manifest", "all"}),
])
def test_editing_one_module_reruns_exactly_its_jobs(tiny_run, module, expected):
    path = tiny_run / "src" / "onestep" / module
    original = path.read_text()
    try:
        path.write_text(original + "\n# an edit\n")
        counts = job_counts(run_snakemake(tiny_run, "-n", "--configfile", TINY).stdout)
    finally:
        path.write_text(original)
    assert set(counts) == expected, (sorted(set(counts) - expected), sorted(expected - set(counts)))


def test_simulation_is_bitwise_reproducible(tiny_run):
    # Runs last: forcing a job makes its dependants out of date.
    sim = next((tiny_run / "results" / "sim").rglob("seed~0.npz"))
    with np.load(sim) as data:
        first = {key: data[key].copy() for key in ("W0", "W1", "a", "beta", "h_hat")}
    target = str(sim.relative_to(tiny_run))
    run_snakemake(tiny_run, "--cores", "1", "--configfile", TINY, "--force", target)
    with np.load(sim) as remade:
        for key, value in first.items():
            np.testing.assert_array_equal(value, remade[key], err_msg=key)


def test_one_job_per_point_gives_each_seed_its_own_simulation(workflow_copy):
    # The batched job runs seeds in turn; each file must equal that seed simulated alone.
    from onestep.model import simulate_point

    override = write_config(workflow_copy / "override.yaml", {"seeds": [0, 1]})
    point = "student~relu/second_layer~gaussian/d~20/eta_t~1.0"
    targets = [f"results/spike/{point}/seed~{seed}.parquet" for seed in (0, 1)]
    proc = run_snakemake(workflow_copy, *targets, "--cores", "1", "--configfile", TINY,
                         str(override))
    assert job_counts(proc.stdout + proc.stderr)["simulate"] == 1, proc.stderr
    model = {**yaml.safe_load((REPO / "config.yaml").read_text())["model"],
             "student": "relu", "d": 20, "eta_t": 1.0}
    for seed in (0, 1):
        alone = simulate_point(**model, seed=seed, device="cpu")
        with np.load(workflow_copy / "results" / "sim" / point / f"seed~{seed}.npz") as data:
            for key in ("W0", "W1", "a", "beta", "h_hat"):
                np.testing.assert_array_equal(data[key], alone[key], err_msg=f"{seed} {key}")
    rows = pd.concat([pd.read_parquet(workflow_copy / t) for t in targets])
    assert list(rows["seed"]) == [0, 1]


LEARNING_ONLY = {"learning_curve", "aggregate_learning", "plot_learning_curves"} | FINAL


@pytest.mark.parametrize(("methods", "expected"), [
    # drop rf_init: the simulated curves and the network's sRF theory rerun, not the KRR theory
    (["rf_post", "krr_k1", "krr_k0", "krr_beta", "linear"],
     LEARNING_ONLY | {"network_theory", "aggregate_network_theory"}),
    # drop a kernel: its eigenlearning curve goes too
    (["rf_post", "rf_init", "krr_k1", "krr_k0", "linear"],
     LEARNING_ONLY | {"learning_theory", "aggregate_learning_theory"}),
])
def test_editing_learning_methods_reruns_only_the_learning_jobs(tiny_run, methods, expected):
    override = write_config(tiny_run / "override.yaml", {"learning": {"methods": methods}})
    counts = job_counts(run_snakemake(tiny_run, "-n", "--configfile", TINY, str(override)).stdout)
    assert set(counts) == expected, counts
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    tiny = yaml.safe_load(open(TINY))
    config = {**config, **tiny, "learning": {**config["learning"], **tiny["learning"]}}
    assert counts["learning_curve"] == len(learning_rows(config))  # one job per point
