"""The claims table: verdicts from tolerances, on synthetic tables where the answer is known."""

import copy
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import yaml

from onestep.claims import COLUMNS, claim_row, learning_claims, spike_claims
from onestep.config import learning_methods
from onestep.curves import METHODS
from onestep.verdict import expected_claims

from conftest import REPO

CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())


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
