"""Tests for onestep.spike: estimators on an exact spiked Gaussian (incl. BBP), theory vs
simulation for one step, shape of the spike, residual-mean effect, input validation.

Finite-size scales used for tolerances (phi = psi = 2, eta_t = 1, tanh teacher), derived in
``_population_sd`` and checked against 60/30/12 seeds at d = 200/400/800:
* population theta_hat/theta - 1 has per-seed s.d. ~1.6/sqrt(d) (mean(N a^2) gives sqrt(2/N),
  |h|^2 the rest); measured 0.101, 0.072, 0.055 at d = 200, 400, 800;
* theta_hat vs the plug-in (conditional on mean(N a^2), |h|) has s.d. 2/sqrt(theta N d), from
  the cross term 2 eta_t mu1 |h| mean_i(u_i <w_i, h_hat>); bias below 1/d in all measurements.
"""

import math

import numpy as np
import pytest
import scipy.linalg as sl

from onestep.activations import get_activation
from onestep.hermite import gaussian_expectation
from onestep.linalg import top_singular
from onestep.model import simulate_point
from onestep.spike import estimate_spike, plugin_spike, projection_along
from onestep.spread import population_spread
from onestep.stats import normality_pvalue
from onestep.theory import predict_spike

POINT = dict(phi=2.0, psi=2.0, eta_t=1.0, teacher="tanh", tau=0.0, second_layer="gaussian",
             weight_init="gaussian", input_law="gaussian", center_labels=True)


def _population_sd(d, *, theta, phi=2.0, psi=2.0):
    """Per-seed s.d. of theta_hat/theta - 1 and of gamma_hat (delta method, tanh teacher)."""
    t = np.tanh
    mu = gaussian_expectation(lambda z: t(z) * z)
    y2 = gaussian_expectation(lambda z: t(z) ** 2)
    var_yz = gaussian_expectation(lambda z: (t(z) * z) ** 2) - mu**2
    var_y2 = gaussian_expectation(lambda z: t(z) ** 4) - y2**2
    cov = gaussian_expectation(lambda z: t(z) ** 3 * z) - mu * y2
    n, N = psi * d, phi * d
    # |h|^2 = m^2 + H, m = mean(y z), H = |h_perp|^2 = (sum y^2 / n^2) chi^2_{d-1}
    var_m, H = var_yz / n, y2 / psi
    var_H = H**2 * (var_y2 / (n * y2**2) + 2.0 / d)
    cov_mH = cov / (psi * n)
    h2 = mu**2 + H
    var_h2 = 4 * mu**2 * var_m + var_H + 4 * mu * cov_mH
    sd_theta = math.sqrt(2.0 / N + var_h2 / h2**2 + 4.0 / (theta * N * d))
    dm, dH = H / h2**1.5, -mu / (2 * h2**1.5)
    sd_gamma = math.sqrt(dm**2 * var_m + dH**2 * var_H + 2 * dm * dH * cov_mH)
    return sd_theta, sd_gamma


def _run(student, d, seeds, **over):
    kw = {**POINT, **over}
    pred = predict_spike(student=student, teacher=kw["teacher"], eta_t=kw["eta_t"],
                         psi=kw["psi"], tau=kw["tau"], center_labels=kw["center_labels"])
    rows = []
    for seed in seeds:
        r = simulate_point(d=d, student=student, seed=seed, **kw)
        est = estimate_spike(r["W1"], r["h_hat"], beta=r["beta"], W0=r["W0"])
        plug = plugin_spike(a=r["a"], h_norm=r["h_norm"], student=student,
                            teacher=kw["teacher"], eta_t=kw["eta_t"], psi=kw["psi"],
                            tau=kw["tau"], center_labels=kw["center_labels"])
        rows.append(dict(
            theta=est["theta_hat"] / pred.theta - 1, c=est["c_hat"] / pred.c - 1,
            gamma=est["gamma_hat"] - pred.gamma, p_theta=est["theta_hat"] / plug["theta"] - 1,
            p_c=est["c_hat"] / plug["c"] - 1, N=r["N"], h_norm=r["h_norm"],
            normality_p=normality_pvalue(projection_along(r["W1"], r["h_hat"])), **est))
    return pred, {k: np.array([row[k] for row in rows]) for k in rows[0]}


def test_estimators_on_exact_spiked_gaussian():
    rng = np.random.default_rng(0)
    d, N, theta, c = 300, 1500, 0.02, 1.3  # spike near BBP: overlap 0.974
    h = rng.standard_normal(d)
    h /= np.linalg.norm(h)
    beta = h + 0.5 * rng.standard_normal(d) / math.sqrt(d)
    # rows ~ N(0, (c/d) I + theta h h^T)
    W = rng.standard_normal((N, d)) * math.sqrt(c / d)
    W += math.sqrt(theta) * rng.standard_normal(N)[:, None] * h
    est = estimate_spike(W, h, beta=beta, W0=np.zeros_like(W), n_singular=4)
    # h^T S h ~ (theta + c/d) chi2_N / N; bulk has N (d-1) degrees of freedom
    assert est["theta_hat"] == pytest.approx(theta, abs=4 * (theta + c / d) * math.sqrt(2 / N))
    assert est["c_hat"] == pytest.approx(c, abs=4 * c * math.sqrt(2 / (N * (d - 1))) + c / N)
    assert est["gamma_hat"] == pytest.approx(abs(h @ beta) / np.linalg.norm(beta), rel=1e-14)
    # second implementation: form S explicitly
    S = W.T @ W / N
    hsh = h @ S @ h
    assert est["theta_hat"] == pytest.approx(hsh - (np.trace(S) - hsh) / (d - 1), rel=1e-12)
    eig = np.linalg.eigvalsh(S)[::-1]
    for k in range(4):
        assert est[f"S_eig{k + 1}"] == pytest.approx(eig[k], rel=1e-10)
        assert est[f"dW_sv{k + 1}"] == pytest.approx(math.sqrt(eig[k]), rel=1e-10)
    # BBP: spike ell = d theta / c, aspect y = d / N; top eigenvalue and eigenvector overlap
    ell, y = d * theta / c, d / N
    top = c / d * (1 + ell) * (1 + y / ell)
    assert est["S_eig1"] == pytest.approx(top, rel=4 * math.sqrt(2 / N))
    overlap = math.sqrt((1 - y / ell**2) / (1 + y / ell))
    # overlap s.d. over seeds measured 0.0015 at this size
    assert est["S_vec_h"] == pytest.approx(overlap, abs=0.006)
    assert est["dW_vec_h"] == pytest.approx(est["S_vec_h"], rel=1e-10)
    # projection: Gaussian, variance theta + c/d
    assert est["proj_excess_kurtosis"] == pytest.approx(0.0, abs=4 * math.sqrt(24 / N))
    assert est["proj_var"] == pytest.approx(theta + c / d, rel=4 * math.sqrt(2 / N))


def test_top_singular_matches_lapack_svd():
    rng = np.random.default_rng(1)
    # dense path (Gram <= 400) and ARPACK path
    for shape in [(60, 25), (25, 60), (900, 450), (450, 900)]:
        M = rng.standard_normal(shape) + 3.0 * np.outer(rng.standard_normal(shape[0]),
                                                          rng.standard_normal(shape[1]))
        values, vec = top_singular(M, 3)
        _, s, vt = sl.svd(M)
        np.testing.assert_allclose(values, s[:3], rtol=1e-12)
        assert abs(vec @ vt[0]) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("student", ["relu", "tanh"])
def test_theory_vs_simulation_d200(student):
    d, seeds = 200, range(8)
    pred, r = _run(student, d, seeds)
    k = math.sqrt(len(seeds))
    sd_theta, sd_gamma = _population_sd(d, theta=pred.theta)
    N = r["N"][0]
    # plug-in: 4 s.e. of the cross term + 1/d for the O(1/d) bias (measured < 0.5/d)
    assert abs(r["p_theta"].mean()) < 4 * 2 / math.sqrt(pred.theta * N * d) / k + 1 / d
    # c: W0's trace fluctuates by sqrt(2/(N d)) = 0.005 absolute at d = 200
    assert abs(r["c"].mean()) < 4 * math.sqrt(2 / (N * d)) / k + 1 / d
    assert abs(r["p_c"].mean()) < 4 * math.sqrt(2 / (N * d)) / k + 1 / d
    # population: 4 s.e. of the derived per-seed fluctuation (0.114 per seed at d = 200)
    assert abs(r["theta"].mean()) < 4 * sd_theta / k
    assert abs(r["gamma"].mean()) < 4 * sd_gamma / k + 1 / d
    # top eigenvector of S is h_hat up to the BBP overlap (0.991 here); W1 - W0 even closer
    ell, y = d * pred.theta / pred.c, 0.5
    np.testing.assert_allclose(r["S_vec_h"], math.sqrt((1 - y / ell**2) / (1 + y / ell)), atol=5e-3)
    assert r["dW_vec_h"].min() > r["S_vec_h"].max()


@pytest.mark.slow
@pytest.mark.parametrize("student", ["relu", "tanh"])
def test_acceptance_d800(student):
    seeds = range(3)
    pred, big = _run(student, 800, seeds)
    _, small = _run(student, 200, seeds)
    sd_theta, sd_gamma = _population_sd(800, theta=pred.theta)
    # Project criterion, on the 3-seed average. NB: per-seed theta s.d. is sd_theta = 5.6%,
    # so the 3-seed average has s.e. 3.3%: this check alone cannot resolve 3% (see report).
    assert abs(big["theta"].mean()) < 0.03
    assert abs(big["c"].mean()) < 0.03
    assert abs(big["gamma"].mean()) < 0.02
    # The sharp version: theta vs the plug-in (draw fluctuations removed), 4 s.d. + 1/d.
    N = big["N"][0]
    assert np.abs(big["p_theta"]).mean() < 4 * 2 / math.sqrt(pred.theta * N * 800) + 1 / 800
    assert np.abs(big["p_c"]).mean() < 4 * math.sqrt(2 / (N * 800)) + 1 / 800
    # errors shrink with d (population and plug-in)
    for key in ("theta", "p_theta"):
        assert np.abs(big[key]).mean() + np.abs(big["c"]).mean() < \
            np.abs(small[key]).mean() + np.abs(small["c"]).mean()
    assert np.abs(big["gamma"]).mean() < np.abs(small["gamma"]).mean()


def test_population_spread_matches_the_tanh_delta_method():
    # the package formula at any point vs this file's hand-written phi = psi = 2 version
    for student in ("relu", "tanh"):
        for d in (200, 800):
            pred = predict_spike(student=student, teacher="tanh", eta_t=1.0, psi=2.0)
            sd_theta, sd_gamma = _population_sd(d, theta=pred.theta)
            spread = population_spread(d=d, student=student, teacher="tanh", phi=2.0, psi=2.0,
                                       eta_t=1.0)
            # the package adds E[u^4](c - 1) to the cross term and the bulk term: < 1%
            assert spread["sd_theta"] == pytest.approx(sd_theta, rel=0.01)
            assert spread["sd_gamma"] == pytest.approx(sd_gamma, rel=1e-10)
    assert 1.59 < sd_theta * math.sqrt(800) < 1.61


@pytest.mark.parametrize("teacher, psi, tau, center", [
    ("tanh", 0.5, 0.0, False), ("relu", 1.0, 0.5, True), ("relu", 2.0, 0.0, False)])
def test_population_spread_of_h_matches_monte_carlo(teacher, psi, tau, center):
    # |h|^2 and gamma_hat need only (X, y): draw them many times (no network)
    d, reps = 100, 3000
    n = round(psi * d)
    rng = np.random.default_rng(11)
    act = get_activation(teacher, key="teacher")
    h2, gamma = np.empty(reps), np.empty(reps)
    for k in range(reps):
        X = rng.standard_normal((n, d))
        y = act.numpy(X[:, 0]) + tau * rng.standard_normal(n)
        h = X.T @ (y - y.mean() if center else y) / n
        h2[k], gamma[k] = h @ h, abs(h[0]) / np.linalg.norm(h)
    spread = population_spread(d=d, student="tanh", teacher=teacher, phi=1.0, psi=psi,
                               eta_t=1.0, tau=tau, center_labels=center)
    pred = predict_spike(student="tanh", teacher=teacher, eta_t=1.0, psi=psi, tau=tau,
                         center_labels=center)
    # s.d. estimates from 3000 draws: 1.3% relative error; leading order in 1/d: allow 10%
    assert np.std(h2 / pred.h_norm_sq) == pytest.approx(math.sqrt(spread["var_h2"]), rel=0.1)
    assert np.std(gamma) == pytest.approx(spread["sd_gamma"], rel=0.1)
    # the mean of |h|^2 is the theory's plus the O(1/n) bias, to 3 standard errors
    se = math.sqrt(spread["var_h2"] / reps)
    assert np.mean(h2) / pred.h_norm_sq - 1 == pytest.approx(spread["bias_theta"], abs=3 * se)


@pytest.mark.parametrize("student, over", [
    ("tanh", dict(phi=1.0, psi=0.5, second_layer="constant", weight_init="sphere",
                  center_labels=False)),  # the Cui preset: 1.93/sqrt(d) and 0.45/sqrt(d)
    ("relu", {})])
def test_population_spread_matches_many_seeds(student, over):
    d, seeds = 100, 100
    kw = {**POINT, **over}
    _, r = _run(student, d, range(seeds), **kw)
    spread = population_spread(d=d, student=student, **{
        k: kw[k] for k in ("teacher", "phi", "psi", "eta_t", "tau", "second_layer",
                           "weight_init", "center_labels")})
    # the s.d. of 100 values is known to 1/sqrt(2 * 99) = 7%: 3 of those, and O(1/d) terms
    for key, sd in (("theta", "sd_theta"), ("gamma", "sd_gamma"), ("c", "sd_c")):
        if key == "c" and over:
            # at the Cui point sd_c misses a source: measured 0.0120 against 0.0095 at d = 100
            # (constant a, uncentred labels; not derived). The claims use sd_c only for `bulk`.
            assert np.std(r[key], ddof=1) == pytest.approx(spread[sd], rel=0.5), key
            continue
        assert np.std(r[key], ddof=1) == pytest.approx(spread[sd], rel=0.25), key


def test_spike_shape_by_second_layer():
    d = 400
    _, g = _run("relu", d, [0], second_layer="gaussian", eta_t=3.0)
    _, rad = _run("relu", d, [0], second_layer="rademacher", eta_t=3.0)
    pred, const = _run("tanh", d, [0], second_layer="constant")
    N = 2 * d
    # Gaussian a: projection Gaussian (excess-kurtosis s.d. sqrt(24/N) = 0.17), mean ~ 0
    assert abs(g["proj_excess_kurtosis"][0]) < 4 * math.sqrt(24 / N)
    assert g["normality_p"][0] > 1e-3
    assert abs(g["proj_mean"][0]) < 4 * math.sqrt(g["proj_var"][0] / N)
    # Rademacher a: two points +-eta_t mu1 |h| with O(1/sqrt d) spread -> kurtosis ~ -2
    assert rad["proj_excess_kurtosis"][0] < -1.9
    assert rad["normality_p"][0] < 1e-10
    # constant a: common shift eta_t mu1 |h| (tanh: mu0 = 0, no residual mean); the spread is
    # the bulk sqrt(c/d) = 0.05, so the mean is known to 0.05/sqrt(N) = 0.2% of it.
    shift = pred.mu1 * const["h_norm"][0]
    assert const["proj_mean"][0] == pytest.approx(shift, rel=0.01)
    assert const["proj_var"][0] < 2 * pred.c / d


@pytest.mark.parametrize("student, second_layer, center, teacher", [
    ("relu", "constant", True, "tanh"), ("relu", "gaussian", False, "relu")])
def test_residual_mean_effect(student, second_layer, center, teacher):
    # THEORY.md's c misses the residual-mean terms: relu + constant a: 1.049 -> 0.796; relu
    # teacher with uncentred labels: the Stein rescaling (1 + eta_t^2 mu*_0^2 mu_2^2).
    pred, r = _run(student, 300, range(2), second_layer=second_layer, center_labels=center,
                   teacher=teacher, eta_t=1.5)
    assert abs(r["c"].mean()) > 0.03  # THEORY.md's c is off by far more than the noise
    assert abs(r["p_c"].mean()) < 0.01  # plug-in (measured <= 1% at d = 400)


def test_projection_and_bad_inputs():
    rng = np.random.default_rng(2)
    W, h, beta = rng.standard_normal((30, 8)), rng.standard_normal(8), rng.standard_normal(8)
    np.testing.assert_allclose(projection_along(W, 2 * h), W @ h / np.linalg.norm(h), atol=1e-15)
    with pytest.raises(ValueError, match="h_hat"):
        estimate_spike(W, np.zeros(8), beta=beta)
    with pytest.raises(ValueError, match="h_hat"):
        estimate_spike(W, np.ones(7), beta=beta)
    with pytest.raises(ValueError, match="beta"):
        estimate_spike(W, h, beta=np.full(8, np.nan))
    with pytest.raises(ValueError, match="W0"):
        estimate_spike(W, h, beta=beta, W0=W[:5])
    with pytest.raises(ValueError, match="n_singular"):
        estimate_spike(W, h, beta=beta, n_singular=0)
    with pytest.raises(ValueError, match="W1"):
        estimate_spike(W[0], h, beta=beta)
