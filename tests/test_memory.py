"""The memory model (onestep.memory): estimates against measured peaks, monotone in every size,
and the budget that rejects a config before any job starts (in-process and through Snakemake)."""

import copy
import resource
import subprocess
import sys
import time

import pytest
import yaml

from onestep.memory import (
    AUTO_FRACTION,
    SMALL_JOB_MB,
    SMALL_RULES,
    MemoryBudgetError,
    check_memory_budget,
    estimate_mb,
    job_estimates,
    memory_budget_mb,
    physical_memory_mb,
    small_rules,
)
from onestep.validation import ConfigError, validate_config

from conftest import REPO, run_snakemake

CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())


def _config(**sections):
    config = copy.deepcopy(CONFIG)
    for section, values in sections.items():
        if isinstance(values, dict):
            config[section].update(values)
        else:
            config[section] = values
    validate_config(config)
    return config


# Peaks measured once (MiB; /usr/bin/time -v around `snakemake -f <output>` of one job, which
# reports the largest process: the job) on the mid-size config of the README table ("Memory"),
# its five largest jobs: rule, d wildcard, measured peak. simulate and learning_curve re-measured
# 2026-12-05 as one job per point running its 3 seeds (the peak is one seed's: 1112 and 788
# MiB when a job ran one seed).
MID = dict(kernels={"d": 300, "n_samples": 4000,
                    "gap": {"n_test": 2000, "neuron_fractions": [0.25, 1.0]},
                    "small_d": {"d": 8, "n_samples": 6000, "draws": 1}},
           learning={"d": 300, "alpha": [1.0, 8.0], "n_test": 3000})
MEASURED = [
    ("simulate", 2400, 1126),
    ("sector_validation", None, 993),
    ("learning_curve", 300, 737),
    ("kernel_spectrum", 300, 732),
    ("kernel_gap", 1200, 467),
]


def test_estimate_of_the_learning_job_at_the_cui_size_is_within_25_percent():
    # presets/cui2024.yaml: d = p = 2000, n up to 6000, 5000 test points, tanh (series Grams),
    # sum convention (the Cholesky in place); /usr/bin/time -v peak of the 3-seed job, MiB.
    preset = yaml.safe_load((REPO / "presets" / "cui2024.yaml").read_text())
    config = copy.deepcopy(CONFIG)
    for section, values in preset.items():
        if isinstance(values, dict):
            config[section].update(values)
        else:
            config[section] = values
    validate_config(config)
    assert 0.75 <= estimate_mb("learning_curve", config, d=2000) / 1894 <= 1.25


@pytest.mark.parametrize(("rule", "d", "measured"), MEASURED, ids=[m[0] for m in MEASURED])
def test_estimates_of_the_largest_mid_size_jobs_are_within_25_percent(rule, d, measured):
    estimate = estimate_mb(rule, _config(**MID), d=d)
    assert 0.75 <= estimate / measured <= 1.25, (estimate, measured)


def _grow(config, path, factor):
    config = copy.deepcopy(config)
    parent = config
    for key in path[:-1]:
        parent = parent[key]
    value = parent[path[-1]]
    parent[path[-1]] = [v * factor for v in value] if isinstance(value, list) else \
        type(value)(value * factor)
    return config


SIZES = [("model", "phi"), ("model", "psi"), ("kernels", "n_samples"), ("kernels", "gap", "n_test"),
         ("kernels", "small_d", "n_samples"), ("kernels", "quadrature", "n_kappa"),
         ("kernels", "quadrature", "n_r"), ("learning", "alpha"), ("learning", "n_test")]
RULES = ["simulate", "estimate_spike", "kernel_gap", "kernel_spectrum", "sector_validation",
         "learning_curve", "network_theory", "learning_theory", "theory_curves",
         "aggregate_learning"]


@pytest.mark.parametrize("path", SIZES, ids=".".join)
def test_estimates_never_fall_when_a_size_grows(path):
    for rule in RULES:
        for d in (100, 800):
            before = estimate_mb(rule, CONFIG, d=d)
            after = estimate_mb(rule, _grow(CONFIG, path, 2), d=d)
            assert after >= before, (rule, d, before, after)


def test_estimates_grow_with_d_and_with_what_each_job_holds():
    for rule in ("simulate", "estimate_spike", "kernel_gap", "kernel_spectrum", "learning_curve"):
        sizes = [estimate_mb(rule, CONFIG, d=d) for d in (200, 400, 800, 1600, 3200)]
        assert sizes == sorted(sizes) and sizes[-1] > sizes[0], (rule, sizes)
    grown = {("kernels", "n_samples"): "kernel_spectrum",
             ("kernels", "gap", "n_test"): "kernel_gap",
             ("kernels", "small_d", "n_samples"): "sector_validation",
             ("learning", "n_test"): "learning_curve", ("learning", "alpha"): "learning_curve"}
    for path, rule in grown.items():
        assert estimate_mb(rule, _grow(CONFIG, path, 4), d=200) > estimate_mb(rule, CONFIG, d=200)
    # without kernel methods a learning job holds no n_train x n_train Gram
    rf_only = _config(learning={"methods": ["rf_post", "rf_init"], "alpha": [1.0, 30.0]})
    every = _config(learning={"alpha": [1.0, 30.0]})
    assert estimate_mb("learning_curve", rf_only, d=200) < estimate_mb("learning_curve", every,
                                                                        d=200)


def test_default_and_ci_configs_fit_a_small_machine():
    ci = yaml.safe_load((REPO / "tests" / "config-ci.yaml").read_text())
    merged = {k: {**CONFIG[k], **v} if isinstance(v, dict) else v for k, v in ci.items()}
    for config in (CONFIG, {**CONFIG, **merged}):
        largest = max(job["mb"] for job in job_estimates(config))
        assert largest < 2000, largest
        check_memory_budget({**config, "memory_budget_mb": 2000})


def test_auto_budget_is_a_fraction_of_physical_memory():
    assert memory_budget_mb(CONFIG) == int(AUTO_FRACTION * physical_memory_mb())
    assert memory_budget_mb({**CONFIG, "memory_budget_mb": 1234}) == 1234
    assert physical_memory_mb() > 500


@pytest.mark.parametrize(("override", "key", "value", "rule"), [
    ({"spike": {"d": 20000}}, "spike.d", "20000", "simulate"),
    ({"kernels": {"n_samples": 40000}}, "kernels.n_samples", "40000", "kernel_spectrum"),
    ({"kernels": {"small_d": {"d": 8, "n_samples": 20000, "draws": 1}}},
     "kernels.small_d.n_samples", "20000", "sector_validation"),
    ({"learning": {"alpha": [1.0, 100.0]}}, "learning.alpha", "[1.0, 100.0]", "learning_curve"),
])
def test_a_job_over_the_budget_is_rejected_naming_key_estimate_and_budget(override, key, value,
                                                                          rule):
    config = _config(**override, memory_budget_mb=2000)
    with pytest.raises(MemoryBudgetError) as caught:
        check_memory_budget(config)
    message = str(caught.value)
    estimate = max(job["mb"] for job in job_estimates(config))
    assert message.startswith(f"config key '{key}' = {value}: job {rule} ("), message
    assert f"needs an estimated {estimate} MB" in message
    assert "memory_budget_mb = 2000 MB" in message
    assert "\n" not in message and isinstance(caught.value, ConfigError)
    check_memory_budget({**config, "memory_budget_mb": estimate})  # exactly enough is enough


@pytest.mark.parametrize(("args", "key"), [
    (["spike={d: 20000}"], "spike.d"),
    (["kernels={n_samples: 40000}"], "kernels.n_samples"),
])
def test_snakemake_rejects_an_oversized_config_before_any_job(tmp_path, args, key):
    start = time.monotonic()
    proc = run_snakemake(REPO, "-n", "--directory", str(tmp_path), "--config", *args,
                         "memory_budget_mb=16000", check=False)
    message = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"ConfigError: config key '{key}'" in message
    assert "memory_budget_mb = 16000 MB" in message
    assert "Traceback" not in message and "Building DAG" not in message, message
    assert time.monotonic() - start < 60
    if physical_memory_mb() * AUTO_FRACTION < 24000:  # the automatic budget of this machine
        proc = run_snakemake(REPO, "-n", "--directory", str(tmp_path), "--config", *args,
                             check=False)
        assert proc.returncode != 0 and "auto: 0.75 of" in proc.stdout + proc.stderr


@pytest.mark.slow
def test_measured_peak_of_one_simulation_matches_its_estimate():
    code = ("import onestep.io; from onestep.model import simulate_point; "
            "simulate_point(d=1200, phi=2.0, psi=2.0, eta_t=1.0, student='relu', teacher='tanh', "
            "tau=0.0, second_layer='gaussian', weight_init='gaussian', input_law='gaussian', "
            "center_labels=True, seed=0)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB -> MiB
    estimate = estimate_mb("simulate", _config(model={"phi": 2.0, "psi": 2.0}), d=1200)
    assert 0.75 <= estimate / peak <= 1.25, (estimate, peak)


def test_small_rules_run_locally_only_while_their_largest_job_is_small():
    ci = yaml.safe_load((REPO / "tests" / "config-ci.yaml").read_text())
    assert small_rules(_config(**ci)) == set(SMALL_RULES)
    assert small_rules(_config()) == set(SMALL_RULES)  # the default config
    # the learning stage at d = 2000 (Cui et al.'s size): learning_curve and network_theory are
    # heavy, estimate_spike and kernel_gap stay small
    big = small_rules(_config(learning={"d": 2000, "n_test": 5000}))
    assert big == {"estimate_spike", "kernel_gap"}
    assert estimate_mb("network_theory", _config(learning={"d": 2000}), d=2000) > SMALL_JOB_MB
    assert small_rules(_config(), limit_mb=0) == set()


def test_network_theory_estimate_is_quadratic_in_neurons_unless_the_shift_is_common():
    # per-neuron spikes hold N x N matrices (37 N^2 elements measured); a constant second layer
    # takes the common-shift path, linear in N d
    small, large = (estimate_mb("network_theory", _config(learning={"d": d}), d=d)
                    for d in (400, 800))
    base = 150
    assert (large - base) / (small - base) == pytest.approx(4.0, rel=0.1)
    const = _config(model={**CONFIG["model"], "second_layer": "constant"})
    assert estimate_mb("network_theory", const, d=800) < large
