"""Finite-sample spectral tools and spectral predictions, checked against the sector quadrature."""

import math

import numpy as np
import pytest

from onestep.kernels.estimators import (
    candidate_functions,
    eigenvector_overlaps,
    gram_top_eigenpairs,
    rayleigh_quotient,
)
from onestep.kernels.pairs import pair_kernel
from onestep.kernels.predictions import (
    large_step_spectrum,
    relu_linear_eigenvalues,
    relu_top_mode,
)
from onestep.kernels.sectors import sector_spectrum

GRID = dict(n_kappa=32, n_r=16, n_t=24, n_g=48, n_rho=12)


def _relu_gram(X, c, theta, u):
    d = X.shape[1]
    P = (c / d) * X @ X.T + theta * np.outer(X @ u, X @ u)
    q = np.diag(P).copy()
    return pair_kernel(q[:, None], q[None, :], P, activation="relu")


def _top(res, sector, parity):
    return res.eigenvalues[sector][res.parity[sector] == parity][0]


def test_gram_top_eigenpairs_matches_full_eigh():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((50, 30))
    K = A @ A.T
    vals, vecs = gram_top_eigenpairs(K, n_eigs=4)
    full_vals, full_vecs = np.linalg.eigh(K / 50)
    np.testing.assert_allclose(vals, full_vals[::-1][:4], rtol=1e-12)
    np.testing.assert_allclose(np.abs(np.sum(vecs * full_vecs[:, ::-1][:, :4], 0)), 1, rtol=1e-9)
    with pytest.raises(ValueError, match="n_eigs"):
        gram_top_eigenpairs(K, n_eigs=51)


def test_candidate_functions_moments():
    # Population: unit second moment, zero mean except the constant; <kappa, beta> = gamma,
    # <R, He2(kappa)/sqrt 2> = d^-1/2, others orthogonal. Monte Carlo tolerance 5 standard errors
    # (the largest fourth moment among the candidates is 3 + 12/d, so se <= 4/sqrt(m)).
    d, m = 10, 400_000
    rng = np.random.default_rng(1)
    u, beta = np.eye(d)[0], 0.6 * np.eye(d)[0] + 0.8 * np.eye(d)[1]
    cand = candidate_functions(rng.standard_normal((m, d)), direction=2 * u, beta=beta, rng=rng)
    names = list(cand)
    F = np.stack([cand[n] for n in names])
    gram = F @ F.T / m
    expected = np.eye(len(names))
    idx = {n: i for i, n in enumerate(names)}
    for a, b, value in (("kappa", "beta", 0.6), ("radial", "he2_kappa", d**-0.5)):
        expected[idx[a], idx[b]] = expected[idx[b], idx[a]] = value
    np.testing.assert_allclose(gram, expected, atol=5 * 4 / math.sqrt(m))
    with pytest.raises(ValueError, match="beta"):
        candidate_functions(np.zeros((3, d)), direction=u, beta=np.zeros(d), rng=rng)


def test_eigenvector_overlaps():
    V = np.array([[3.0, 0.0], [4.0, 1.0]])
    out = eigenvector_overlaps(V, {"a": np.array([1.0, 0.0]), "b": np.array([0.0, -2.0])})
    np.testing.assert_allclose(out["a"], [0.6, 0.0])
    np.testing.assert_allclose(out["b"], [0.8, 1.0])


def test_rayleigh_quotient_matches_brute_force_and_jackknife_is_calibrated():
    rng = np.random.default_rng(2)
    m, d = 120, 5
    X = rng.standard_normal((m, d))
    K, f = np.exp(-np.sum((X[:, None] - X[None]) ** 2, -1) / d), X[:, 0] ** 2
    off = [f[i] * K[i, j] * f[j] for i in range(m) for j in range(m) if i != j]
    est = rayleigh_quotient(K, f)
    assert est.value == pytest.approx(np.mean(off) / np.mean(f**2), rel=1e-12)
    # calibration: jackknife SE vs the spread over independent draws (SE of an SD with 300 draws
    # is ~4%; allow 20%)
    values, errors = [], []
    for _ in range(300):
        X = rng.standard_normal((m, d))
        K = np.exp(-np.sum((X[:, None] - X[None]) ** 2, -1) / d)
        r = rayleigh_quotient(K, X[:, 0] ** 2)
        values.append(r.value)
        errors.append(r.stderr)
    assert np.mean(errors) == pytest.approx(np.std(values), rel=0.2)


def test_relu_linear_eigenvalues_are_exact():
    # Exact statement (odd part of the arc-cosine kernel is x^T Sigma x'/4): quadrature error only.
    for d, theta in ((8, 0.7), (200, 0.3)):
        res = sector_spectrum(activation="relu", d=d, c=1.05, theta=theta, n_eigs=4, **GRID)
        boosted, orth = relu_linear_eigenvalues(c=1.05, theta=theta, d=d)
        assert _top(res, 0, -1) == pytest.approx(boosted, rel=1e-10)
        assert _top(res, 1, 1) == pytest.approx(orth, rel=1e-10)
        assert res.eigenvalues[0][1] == pytest.approx(boosted, rel=1e-10)


def test_relu_top_mode_leading_order():
    # E[q]/(2 pi) misses the k = 2 Mehler term, whose Rayleigh quotient on sqrt(q) is
    # tr(Sigma^2)/(4 pi (c + theta)) (O(theta^2), not O(1/d)): the relative gap must match
    # tr(Sigma^2)/(2 (c + theta)^2) within 10% (measured 0.6-5%), and eigenvalue_k2 must remove
    # > 90% of it (measured 92-99%). Overlaps: constant and R agree to O(theta^2) (measured < 0.4%);
    # the He2 one is leading order only, with an O(theta) relative error (measured 7% and 14%).
    d, c = 200, 1.0
    for theta in (0.1, 0.3, 1.0):
        res = sector_spectrum(activation="relu", d=d, c=c, theta=theta, sectors=(0,), n_eigs=2)
        pred = relu_top_mode(c=c, theta=theta, d=d)
        lam = res.eigenvalues[0][0]
        gap = (lam - pred.eigenvalue) / lam
        trace_sq = c**2 / d + 2 * c * theta / d + theta**2
        assert gap / (trace_sq / (2 * (c + theta) ** 2)) == pytest.approx(1.0, abs=0.1)
        assert abs(lam - pred.eigenvalue_k2) / lam < 0.1 * gap
        ov = [res.overlaps(0, f)[0] for f in (
            lambda k, r: np.ones_like(k * r), lambda k, r: (k**2 + r**2 - d) / math.sqrt(2 * d),
            lambda k, r: (k**2 - 1) / math.sqrt(2) + 0 * r)]
        ov = np.sign(ov[0]) * np.array(ov)
        if theta < 1:
            assert pred.overlap_constant == pytest.approx(ov[0], rel=0.01)
            assert pred.overlap_radial == pytest.approx(ov[1], rel=0.01)
            assert pred.overlap_he2 == pytest.approx(ov[2], rel=theta)


@pytest.mark.parametrize("activation", ["relu", "tanh", "erf"])
def test_large_step_predictions_converge_with_d(activation):
    # Predictions from m(t) = E s(sqrt(c_d) z + t) are exact in theta, with O(1/d) relative
    # corrections: the gap to the quadrature must shrink ~4x from d = 50 to 200 (allow 2.8x) and
    # be < 0.5% at d = 200 (measured 0.15-0.3%). ReLU linear modes are exact (1e-10).
    c, theta = 1.05, 0.3
    gaps = []
    for d in (50, 200):
        res = sector_spectrum(activation=activation, d=d, c=c, theta=theta, n_eigs=4, **GRID)
        pred = large_step_spectrum(activation=activation, c=c, theta=theta, d=d)
        pairs = [(pred.boosted_linear, _top(res, 0, -1)), (pred.orthogonal_linear, _top(res, 1, 1))]
        if activation == "relu":  # tanh, erf are odd: no even modes in sector 0
            pairs.append((pred.top, _top(res, 0, 1)))
        gaps.append(np.array([abs(p / q - 1) for p, q in pairs]))
    if activation == "relu":
        np.testing.assert_allclose(gaps[0][:2], 0, atol=1e-10)
        gaps = [g[2:] for g in gaps]
    assert np.all(gaps[1] < gaps[0] / 2.8) and np.all(gaps[1] < 5e-3), gaps
    if activation != "relu":  # saturating: the boost is well below mu1^2 (theta + c/d)
        assert pred.boosted_linear < 0.8 * pred.naive_linear


def test_large_step_top_mode_overlaps():
    # He2 overlap of the top mode from the kappa-operator vs the quadrature eigenfunction:
    # O(1/d) (measured 0.25% at d = 100, theta = 1, vs 18% for sqrt(q)).
    d, c, theta = 100, 1.0, 1.0
    res = sector_spectrum(activation="relu", d=d, c=c, theta=theta, sectors=(0,), n_eigs=2)
    he2, const = (res.overlaps(0, f)[0] for f in (lambda k, r: (k**2 - 1) / math.sqrt(2) + 0 * r,
                                                  lambda k, r: np.ones_like(k * r)))
    pred = large_step_spectrum(activation="relu", c=c, theta=theta, d=d)
    assert pred.overlap_he2 == pytest.approx(np.sign(const) * he2, rel=0.01)
    assert pred.overlap_constant == pytest.approx(abs(const), rel=0.01)


def test_three_way_agreement_d200():
    # Acceptance: ReLU, d = 200, theta = 0.3, c = 1.05: sector quadrature (l=0, odd), theory
    # (c/d + theta)/4 and the Rayleigh estimate on m = 2000 samples within 2%. The control-variate
    # Rayleigh estimator is used (SE measured 0.1-0.9%); the plain U/V one has SE ~ sqrt(2/m) ~ 3%
    # and is only checked against its own SE.
    d, c, theta, m = 200, 1.05, 0.3, 2000
    rng = np.random.default_rng(7)
    res = sector_spectrum(activation="relu", d=d, c=c, theta=theta, sectors=(0,), n_eigs=3, **GRID)
    boosted = relu_linear_eigenvalues(c=c, theta=theta, d=d)[0]
    X = rng.standard_normal((m, d))
    u, beta = np.eye(d)[0], 0.8 * np.eye(d)[0] + 0.6 * np.eye(d)[1]
    K = _relu_gram(X, c, theta, u)
    cand = candidate_functions(X, direction=u, beta=beta, rng=rng)
    cv = rayleigh_quotient(K, cand["kappa"], population_norm=1.0)
    plain = rayleigh_quotient(K, cand["kappa"])
    assert _top(res, 0, -1) == pytest.approx(boosted, rel=1e-10)
    assert cv.value == pytest.approx(boosted, rel=0.02) and cv.stderr < 0.01 * boosted
    assert abs(plain.value - boosted) < 4 * plain.stderr and plain.stderr < 0.05 * boosted
    # The Gram matrix sees the same structure: 2nd eigenvector ~ kappa, top ~ constant.
    _, vecs = gram_top_eigenpairs(K, n_eigs=3)
    ov = eigenvector_overlaps(vecs, cand)
    assert ov["kappa"][1] > 0.99
    const = res.overlaps(0, lambda k, r: np.ones_like(k * r))[0]
    assert ov["constant"][0] == pytest.approx(abs(const), abs=0.01)
