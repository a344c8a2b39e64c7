"""The claims table: verdicts from tolerances, on synthetic tables where the answer is known."""

import math

import numpy as np
import pandas as pd
import pytest

from onestep.claims import COLUMNS, claim_row, input_space_claims, learning_claims, spike_claims


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


def _gap_table(*, floor=0.0, gram_error=1e-15, dims=(75, 150, 300, 600)):
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
    claims = pd.DataFrame(input_space_claims(_gap_table()))
    assert claims["passed"].all(), claims[~claims["passed"]]
    assert sorted(claims["claim"]) == ["input_space_gram"] * 2 + ["input_space_rf_kernel"] * 2
    tol = claims.set_index(["claim", "point"])["tolerance"]
    # relu: closed form, 32 d eps only; tanh adds the Gram code's series/quadrature accuracy
    assert tol[("input_space_gram", "relu student, d=[75, 150, 300, 600]")] == pytest.approx(
        32 * 600 * np.finfo(float).eps)
    assert tol[("input_space_gram", "tanh student, d=[75, 150, 300, 600]")] > 1e-11
    # a floor as large as the full-width Monte Carlo gap flattens the slope: the limits differ
    floor = pd.DataFrame(input_space_claims(_gap_table(floor=0.15)))
    assert not floor.loc[floor["claim"] == "input_space_rf_kernel", "passed"].any(), floor
    # a Gram difference far above round-off (e.g. A = d Sigma instead of sqrt(d Sigma))
    wrong = pd.DataFrame(input_space_claims(_gap_table(gram_error=1e-6)))
    assert not wrong.loc[wrong["claim"] == "input_space_gram", "passed"].any()
