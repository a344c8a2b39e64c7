"""The claims table: verdicts from tolerances, on synthetic tables where the answer is known."""

import math

import numpy as np
import pandas as pd

from onestep.claims import COLUMNS, claim_row, learning_claims, spike_claims


def test_claim_row_passes_only_finite_errors_within_tolerance():
    kw = dict(measured=1.0, predicted=1.0, tolerance=0.1, why="test")
    assert claim_row("c", "s", "p", error=0.05, **kw)["passed"] is True
    assert claim_row("c", "s", "p", error=0.2, **kw)["passed"] is False
    assert claim_row("c", "s", "p", error=math.nan, **kw)["passed"] is False
    assert list(claim_row("c", "s", "p", error=0.0, **kw)) == COLUMNS


def _spike_tables(theta_factor=1.0, d=(100, 200, 400, 800)):
    rows, finite = [], []
    for student in ("relu", "tanh"):
        for seed in range(3):
            base = dict(student=student, d=800, eta_t=1.0, phi=2.0, seed=seed, theory_theta=0.4,
                        theory_c=1.1, theory_gamma=0.6, plugin_theta=0.4, plugin_c=1.1)
            rows.append({**base, "theta_hat": 0.4 * theta_factor, "c_hat": 1.1, "gamma_hat": 0.6})
            for dim in d:  # conditional error falling like 1/d
                finite.append(dict(student=student, d=dim, theta_hat=0.4 * (1 + 2.0 / dim),
                                   plugin_theta=0.4))
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
