"""Tests of onestep.network_theory: the sRF theory of the simulated network's own features."""

import math

import numpy as np
import pandas as pd
import pytest

from onestep.claims_learning import network_theory_claims
from onestep.curves import learning_curve
from onestep.model import simulate_point
from onestep.network_theory import decompose_spike, network_theory_curve
from onestep.streams import rng_for


def _unit(v):
    return v / np.linalg.norm(v)


@pytest.mark.parametrize("common_shift", [False, True])
def test_decomposition_rebuilds_the_weights(common_shift):
    rng = np.random.default_rng(0)
    N, d = 60, 30
    u, beta = _unit(rng.standard_normal(d)), _unit(rng.standard_normal(d))
    W = rng.standard_normal((N, d)) / math.sqrt(d) + 0.8 * np.outer(rng.standard_normal(N), -u)
    p = decompose_spike(W, u, beta, common_shift=common_shift)
    rebuilt = math.sqrt(p["c"]) * p["W0"] + p["theta"] * np.outer(p["xi"], p["u"])
    np.testing.assert_allclose(rebuilt, W, atol=1e-13)
    assert p["gamma"] >= 0 and abs(p["u"] @ beta - p["gamma"]) < 1e-14  # sign flipped to beta
    assert abs(p["beta_perp"] @ p["u"]) < 1e-14 and abs(np.linalg.norm(p["beta_perp"]) - 1) < 1e-14
    np.testing.assert_allclose(np.sum(p["W0"] ** 2) / N, 1.0, rtol=1e-13)
    if not common_shift:  # the bulk carries nothing along u
        assert np.max(np.abs(p["W0"] @ p["u"])) < 1e-13
    else:
        assert np.ptp(p["xi"]) == 0.0


@pytest.mark.parametrize("student", ["relu", "tanh"])
def test_theory_matches_the_network_seed_by_seed(student):
    # Gaussian second layer, large step, 4 seeds at d = 120 (N = 240): the paired relative
    # deviation sim/theory - 1 must sit within 3 standard errors (seeds) plus the 1/sqrt(N)
    # finite-width bias that the claims use (measured: within 1-3% at d = 200).
    d, alphas, rel = 120, [0.5, 2.0], []
    for seed in range(4):
        net = simulate_point(d=d, phi=2.0, psi=2.0, eta_t=3.0, student=student, teacher="tanh",
                             tau=0.0, second_layer="gaussian", weight_init="gaussian",
                             input_law="gaussian", center_labels=True, seed=seed)
        args = dict(W0=net["W0"], W1=net["W1"], beta=net["beta"], h_hat=net["h_hat"],
                    student=student, teacher="tanh", tau=0.0, alphas=alphas, ridge=1e-3)
        sim = learning_curve(**args, c_hat=1.0, theta_hat=0.0, input_law="gaussian", n_test=3000,
                             rng=rng_for(seed, "learning"), methods=["rf_post", "rf_init"])
        theory = network_theory_curve(**args, second_layer="gaussian")
        both = sim.merge(theory, on=["alpha", "method"])
        rel.append((both["test_mse"] / both["theory_mse"] - 1).to_numpy())
    rel = np.array(rel)
    se = rel.std(0, ddof=1) / math.sqrt(len(rel))
    assert np.all(np.abs(rel.mean(0)) <= 3 * se + 1 / math.sqrt(2 * d)), (rel.mean(0), se)


def test_post_step_theory_sees_the_step():
    # After a large step the theory of rf_post is far below that of rf_init (as the simulation).
    net = simulate_point(d=80, phi=2.0, psi=2.0, eta_t=3.0, student="tanh", teacher="tanh",
                         tau=0.0, second_layer="constant", weight_init="gaussian",
                         input_law="gaussian", center_labels=True, seed=1)
    table = network_theory_curve(W0=net["W0"], W1=net["W1"], beta=net["beta"],
                                 h_hat=net["h_hat"], student="tanh", teacher="tanh", tau=0.0,
                                 second_layer="constant", alphas=[1.0, 3.0], ridge=0.01,
                                 ridge_convention="sum")
    mse = table.pivot(index="alpha", columns="method", values="theory_mse")
    assert np.all(mse["rf_post"] < 0.8 * mse["rf_init"])
    assert np.all(np.diff(mse["rf_post"]) < 0) and table["theta_drawn"].iloc[0] > 0.5


@pytest.mark.parametrize("kwargs,match", [({"methods": ["rf_k1"]}, "methods"),
                                          ({"ridge_convention": "avg"}, "ridge_convention")])
def test_bad_input_names_the_argument(kwargs, match):
    rng = np.random.default_rng(0)
    W, u = rng.standard_normal((8, 4)), _unit(rng.standard_normal(4))
    with pytest.raises(ValueError, match=match):
        network_theory_curve(W0=W, W1=W, beta=u, h_hat=u, student="tanh", teacher="tanh",
                             tau=0.0, second_layer="gaussian", alphas=[1.0], ridge=0.1, **kwargs)


def _tables(scale, seeds, noise=0.01):
    rng = np.random.default_rng(5)
    rows, theory = [], []
    for seed in seeds:
        for eta in (0.05, 3.0):
            for alpha in (0.5, 1.0, 2.0):
                for method in ("rf_post", "rf_init"):
                    th = 0.2 / alpha
                    key = dict(student="relu", eta_t=eta, seed=seed, alpha=alpha, method=method)
                    theory.append({**key, "theory_mse": th})
                    sim = th * scale * (1 + noise * rng.standard_normal())
                    rows.append({**key, "test_mse": sim, "phi": 2.0, "d": 200})
    return pd.DataFrame(rows), pd.DataFrame(theory)


@pytest.mark.parametrize("seeds", [[0, 1, 2], [0]])
def test_claims_pass_on_agreement_and_fail_on_a_bias(seeds):
    good = network_theory_claims(*_tables(1.0, seeds), n_test=2000)
    assert [r["claim"] for r in good] == ["network_theory_rf_init"] + ["network_theory_rf_post"] * 2
    assert all(r["passed"] for r in good)
    bad = network_theory_claims(*_tables(1.3, seeds), n_test=2000)
    assert not any(r["passed"] for r in bad)
