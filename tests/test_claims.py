"""The claims table: verdicts from tolerances, on synthetic tables where the answer is known."""

import copy
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import yaml

from onestep.claims import (
    COLUMNS,
    claim_row,
    input_space_claims,
    kernel_claims,
    spike_claims,
)
from onestep.claims_learning import learning_claims
from onestep.config import learning_methods
from onestep.curves import METHODS
from onestep.stats import log_rms_sd, loglog_fit, two_point_kurtosis_sd
from onestep.verdict import expected_claims

from conftest import REPO

CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())


def test_claim_row_passes_only_finite_errors_within_tolerance():
    kw = dict(measured=1.0, predicted=1.0, tolerance=0.1, why="test")
    assert claim_row("c", "s", "p", error=0.05, **kw)["passed"] is True
    assert claim_row("c", "s", "p", error=0.2, **kw)["passed"] is False
    assert claim_row("c", "s", "p", error=math.nan, **kw)["passed"] is False
    assert list(claim_row("c", "s", "p", error=0.0, **kw)) == COLUMNS


MODEL = dict(psi=2.0, teacher="tanh", tau=0.0, second_layer="gaussian", weight_init="gaussian",
             center_labels=True)


def _spike_tables(theta_factor=1.0, d=(100, 200, 400, 800)):
    rows, finite = [], []
    for student in ("relu", "tanh"):
        for seed in range(3):
            base = dict(student=student, d=800, eta_t=1.0, phi=2.0, seed=seed, theory_theta=0.4,
                        theory_c=1.1, theory_gamma=0.6, plugin_theta=0.4, plugin_c=1.1, **MODEL)
            rows.append({**base, "theta_hat": 0.4 * theta_factor, "c_hat": 1.1, "gamma_hat": 0.6})
            for dim in d:  # conditional error falling like 1/d
                sign = (-1) ** seed  # rms over seeds 2/dim: slope exactly -1
                finite.append(dict(student=student, d=dim, theta_hat=0.4 * (1 + sign * 2.0 / dim),
                                   plugin_theta=0.4, seed=seed, phi=2.0, eta_t=1.0, **MODEL))
    shape = pd.DataFrame([dict(second_layer=law, student="relu", d=800, eta_t=2.0, phi=2.0,
                               plugin_theta=1.0, plugin_c=1.0, proj_excess_kurtosis=k)
                          for law, k in (("gaussian", 0.0), ("constant", 0.0),
                                         ("rademacher", -2.0 / (1 + 1 / 800) ** 2))])
    return pd.DataFrame(rows), shape, pd.DataFrame(finite)


def test_spike_claims_pass_on_exact_tables_and_fail_on_a_wrong_spike():
    sweep, shape, finite = _spike_tables()
    claims = pd.DataFrame(spike_claims(sweep, shape, finite, eta_t=1.0))
    assert claims["passed"].all(), claims[~claims["passed"]]
    assert set(claims["claim"]) >= {"spike_strength", "bulk", "alignment", "spike_convergence",
                                    "spike_shape_rademacher"}
    wrong = pd.DataFrame(spike_claims(*_spike_tables(theta_factor=1.3), eta_t=1.0))
    assert not wrong.loc[wrong["claim"] == "spike_strength", "passed"].any()
    # tolerances follow the point: the per-seed spread of theta_hat is ~1.6/sqrt(d) here
    row = claims[(claims["claim"] == "spike_strength") & claims["point"].str.startswith("relu")]
    assert float(row["tolerance"].iloc[0]) == pytest.approx(3 * 1.6 / math.sqrt(800 * 3) + 1 / 800,
                                                            rel=0.02)
    # an error falling like d^-1/2 is outside 3 standard errors of the slope at 6 seeds ...
    sweep, shape, finite = _spike_tables(d=(100, 400, 1600, 6400))
    finite = pd.concat([finite.assign(seed=finite["seed"] + 3 * k) for k in range(2)])
    slow = finite.assign(theta_hat=0.4 * (1 + np.sign(finite["theta_hat"] - 0.4) * 0.2
                                          / np.sqrt(finite["d"])))
    claims = pd.DataFrame(spike_claims(sweep, shape, slow, eta_t=1.0))
    assert not claims.loc[claims["claim"] == "spike_convergence", "passed"].any()
    # ... and an error falling like 1/d is inside
    claims = pd.DataFrame(spike_claims(sweep, shape, finite, eta_t=1.0))
    assert claims.loc[claims["claim"] == "spike_convergence", "passed"].all()


def test_loglog_fit_standard_errors():
    rng = np.random.default_rng(5)
    x = np.array([75.0, 150, 300, 600])
    # known log-sd: WLS standard error 1 / sqrt(sum w (log x - mean)^2), exact slope recovered
    slope, se = loglog_fit(x, 3 * x**-1.0, log_sd=0.5)
    lx = np.log(x)
    assert slope == pytest.approx(-1.0, abs=1e-12)
    assert se == pytest.approx(0.5 / math.sqrt(np.sum((lx - lx.mean()) ** 2)), rel=1e-12)
    # residual-based: the spread of the slope over many noisy replicates matches the mean se
    fits = np.array([loglog_fit(x, x**-0.5 * np.exp(0.1 * rng.standard_normal(4)))
                     for _ in range(4000)])
    assert fits[:, 0].mean() == pytest.approx(-0.5, abs=0.005)
    assert np.sqrt(np.mean(fits[:, 1] ** 2)) == pytest.approx(fits[:, 0].std(), rel=0.05)
    # one intercept per group: two parallel lines give the common slope exactly
    groups = np.repeat([0, 1], 4)
    slope, _ = loglog_fit(np.tile(x, 2), np.r_[x**-0.5, 7 * x**-0.5], groups=groups)
    assert slope == pytest.approx(-0.5, abs=1e-12)


def test_log_rms_sd_matches_monte_carlo():
    rng = np.random.default_rng(6)
    for seeds in (1, 3, 10):
        rms = np.sqrt(np.mean(rng.standard_normal((200000, seeds)) ** 2, axis=1))
        assert np.log(rms).std() == pytest.approx(log_rms_sd(seeds), rel=0.01)


def test_two_point_kurtosis_sd_matches_monte_carlo():
    rng = np.random.default_rng(7)
    n, reps = 600, 4000
    for theta, bulk in ((0.0, 1.0), (1.0, 0.05), (1.0, 0.005)):
        sign = rng.choice([-1.0, 1.0], size=(reps, n))
        p = math.sqrt(theta) * sign + math.sqrt(bulk) * rng.standard_normal((reps, n))
        p -= p.mean(axis=1, keepdims=True)
        kurt = np.mean(p**4, axis=1) / np.mean(p**2, axis=1) ** 2 - 3
        assert kurt.std() == pytest.approx(two_point_kurtosis_sd(theta, bulk, n), rel=0.06)
    assert two_point_kurtosis_sd(0.0, 2.0, n) == pytest.approx(math.sqrt(24 / n), rel=2e-3)


def _gap_table(exponent, d=(100, 200, 400), noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for dim in d:
        for fraction in (0.125, 0.25, 0.5, 1.0):
            n = round(fraction * 2 * dim)
            gap = n**exponent * np.exp(noise * rng.standard_normal())
            rows += [dict(student="relu", d=dim, n_neurons=n, reference=ref, gap=gap)
                     for ref in ("k1_est", "k1")]
    return pd.DataFrame(rows)


def test_kernel_gap_claim_sees_the_exponent():
    empty = pd.DataFrame([dict(quantity="none", eta_t=1.0, student="relu")])  # no spectrum rows
    for exponent, noise, passed in ((-0.5, 0.01, True), (-0.4, 0.01, False), (-0.6, 0.0, False)):
        rows = kernel_claims(empty, _gap_table(exponent, noise=noise), pd.DataFrame(
            columns=["student"]), eta_t=1.0)
        (row,) = [r for r in rows if r["claim"] == "kernel_gap"]
        assert row["passed"] is passed, row


def test_learning_claims_see_the_ordering_and_the_theory():
    rows, theory = [], []
    alphas = [1.0, 2.0]
    mse = {"rf_post": 0.1, "rf_init": 0.2, "krr_k1": 0.05, "krr_k0": 0.2}
    for student in ("relu",):
        for eta in (0.05, 3.0):
            for alpha in alphas:
                for method, value in mse.items():
                    small = eta == 0.05 and method == "krr_k1"
                    for seed in range(3):
                        rows.append(dict(student=student, eta_t=eta, alpha=alpha, method=method,
                                         seed=seed, d=200,
                                         test_mse=(0.19 if small else value) * (1 + 0.01 * seed)))
                for method in ("krr_k1", "krr_k0"):
                    value = 0.19 if (eta == 0.05 and method == "krr_k1") else mse[method]
                    theory.append(dict(student=student, eta_t=eta, alpha=alpha, method=method,
                                       test_mse=value * 1.01))
    claims = pd.DataFrame(learning_claims(pd.DataFrame(rows), pd.DataFrame(theory)))
    assert claims["passed"].all(), claims[~claims["passed"]][["claim", "error", "tolerance"]]
    flipped = pd.DataFrame(rows).replace({"method": {"rf_post": "rf_init", "rf_init": "rf_post"}})
    claims = pd.DataFrame(learning_claims(flipped, pd.DataFrame(theory)))
    assert not claims.loc[claims["claim"] == "ordering_rf_post_vs_rf_init", "passed"].any()
    assert np.isfinite(claims["error"]).all()


def _input_gap_table(*, floor=0.0, gram_error=1e-15, dims=(75, 150, 300, 600)):
    """Kernel-gap rows: ``gap^2 = floor^2 + V / N'`` with a seeded 3% scatter per point."""
    rng = np.random.default_rng(0)
    rows = []
    for student in ("relu", "tanh"):
        for d in dims:
            for fraction in (0.125, 0.25, 0.5, 1.0):
                n = round(fraction * 2 * d)
                gap = math.sqrt(floor**2 + 4.0 / n) * (1 + 0.03 * rng.standard_normal())
                rows.append(dict(student=student, d=d, fraction=fraction, n_neurons=n,
                                 reference="rf_iso_Ax", gap=gap, input_gram_error=gram_error))
    return pd.DataFrame(rows)


def test_input_space_claims_pass_at_round_off_and_fail_on_a_floor_or_a_wrong_gram():
    claims = pd.DataFrame(input_space_claims(_input_gap_table()))
    assert claims["passed"].all(), claims[~claims["passed"]]
    assert sorted(claims["claim"]) == ["input_space_gram"] * 2 + ["input_space_rf_kernel"] * 2
    tol = claims.set_index(["claim", "point"])["tolerance"]
    # relu: closed form, 32 d eps only; tanh adds the Gram code's series/quadrature accuracy
    assert tol[("input_space_gram", "relu student, d=[75, 150, 300, 600]")] == pytest.approx(
        32 * 600 * np.finfo(float).eps)
    assert tol[("input_space_gram", "tanh student, d=[75, 150, 300, 600]")] > 1e-11
    # a floor as large as the full-width Monte Carlo gap flattens the slope: the limits differ
    floor = pd.DataFrame(input_space_claims(_input_gap_table(floor=0.15)))
    assert not floor.loc[floor["claim"] == "input_space_rf_kernel", "passed"].any(), floor
    # a Gram difference far above round-off (e.g. A = d Sigma instead of sqrt(d Sigma))
    wrong = pd.DataFrame(input_space_claims(_input_gap_table(gram_error=1e-6)))
    assert not wrong.loc[wrong["claim"] == "input_space_gram", "passed"].any()


def _learning_tables(methods, students=("relu", "tanh")):
    """Synthetic curves and theory where every claim of the fitted ``methods`` passes."""
    rows, theory = [], []
    mse = {"rf_post": 0.1, "rf_init": 0.2, "krr_k1": 0.05, "krr_k0": 0.2, "krr_beta": 0.04,
           "linear": 0.3}
    for student in students:
        for eta in (0.05, 3.0):
            for alpha in (0.5, 1.0, 2.0):
                for method in methods:
                    value = 0.19 if (eta == 0.05 and method == "krr_k1") else mse[method]
                    rows += [dict(student=student, eta_t=eta, alpha=alpha, method=method, seed=s,
                                  d=200, test_mse=value * (1 + 0.01 * s)) for s in range(3)]
                    if method.startswith("krr_"):
                        theory.append(dict(student=student, eta_t=eta, alpha=alpha,
                                           method=method, test_mse=value * 1.01))
    return pd.DataFrame(rows), pd.DataFrame(theory, columns=["student", "eta_t", "alpha",
                                                              "method", "test_mse"])


@pytest.mark.parametrize("methods", [
    ("rf_post", "rf_init", "krr_k1", "krr_k0", "krr_beta", "linear"),
    ("rf_post", "rf_init"), ("krr_k1", "krr_k0"), ("krr_k1", "linear"), ("krr_k0",),
    ("rf_post", "krr_beta"), ("linear",),
])
def test_learning_claims_of_a_method_subset_are_exactly_the_expected_ones(methods):
    config = copy.deepcopy(CONFIG)
    config["learning"].update(methods=list(methods), students=["relu", "tanh"])
    curves, theory = _learning_tables(methods)
    claims = pd.DataFrame(learning_claims(curves, theory), columns=COLUMNS)
    assert claims["passed"].all(), claims[~claims["passed"]]
    found = Counter((c, p.split(" student")[0]) for c, p in zip(claims["claim"], claims["point"],
                                                                strict=True))
    learning = {"ordering_rf_post_vs_rf_init", "ordering_krr_k1_vs_krr_k0",
                "gain_needs_large_step", "eigenlearning_krr_k1", "eigenlearning_krr_k0"}
    expected = Counter({k: n for k, n in expected_claims(config).items() if k[0] in learning})
    assert found == expected
    # what each claim needs: both methods of a comparison, the kernel of an eigenlearning claim
    emitted = set(claims["claim"])
    assert ("ordering_rf_post_vs_rf_init" in emitted) == ({"rf_post", "rf_init"} <= set(methods))
    assert ("gain_needs_large_step" in emitted) == ({"krr_k1", "krr_k0"} <= set(methods))
    assert ("eigenlearning_krr_k0" in emitted) == ("krr_k0" in methods)


def test_spiked_beta_false_drops_krr_beta_only():
    config = copy.deepcopy(CONFIG)
    config["learning"].update(spiked_beta=False)
    assert learning_methods(config) == [m for m in CONFIG["learning"]["methods"] if m != "krr_beta"]
    assert learning_methods(CONFIG) == list(METHODS)  # the default config fits every method
    assert expected_claims(config) == expected_claims(CONFIG)  # no claim is about krr_beta
