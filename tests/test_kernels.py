"""Tests for onestep.kernels: every path against an independent computation.

Tolerances are relative to sqrt(k(x,x) k(x',x')) (the natural scale of a kernel entry) unless
stated; Monte Carlo checks use 5 standard errors (CLT), estimated from the same sample.
"""

import math

import numpy as np
import pytest

from onestep.activations import get_activation
from onestep.covariance import SpikedCovariance
from onestep.kernels.gram import (
    gaussian_kernel_gram,
    gaussian_kernel_train_test,
    random_features_gram,
    relative_frobenius_gap,
)
from onestep.kernels.pairs import pair_kernel
from onestep.kernels.series import fast_numpy, series_factors


def spiked_covariance_moments(X, Y=None, *, c, theta, direction):
    return SpikedCovariance(c, theta, direction).moments(X, Y)


def input_transform(X, *, c, theta, direction):
    return SpikedCovariance(c, theta, direction).input_transform(X)


def _unit(rng, d):
    u = rng.standard_normal(d)
    return u / np.linalg.norm(u)


def _random_pairs(rng, n, *, q_max, rho_max):
    q, q_prime = rng.uniform(0.05, q_max, n), rng.uniform(0.05, q_max, n)
    rho = rng.uniform(-rho_max, rho_max, n)
    return q, q_prime, rho * np.sqrt(q * q_prime)


def _scale(act, q, q_prime):
    return np.sqrt(pair_kernel(q, q, q, activation=act) * pair_kernel(q_prime, q_prime, q_prime,
                                                                     activation=act))


def _spiked_weights(rng, n, d, *, c, theta, u):
    """Rows ~ N(0, (c/d) I + theta u u^T), sampled directly (not through the kernel code)."""
    return math.sqrt(c / d) * rng.standard_normal((n, d)) + math.sqrt(theta) * np.outer(
        rng.standard_normal(n), u)


def _monte_carlo_pair(rng, act, q, q_prime, p, n=400_000):
    """Mean and standard error of s(U) s(V) from a Cholesky factor of the 2x2 covariance."""
    z1, z2 = rng.standard_normal(n), rng.standard_normal(n)
    rho = p / math.sqrt(q * q_prime)
    u = math.sqrt(q) * z1
    v = math.sqrt(q_prime) * (rho * z1 + math.sqrt(1.0 - rho**2) * z2)
    f = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh}[act]
    values = f(u) * f(v)
    return values.mean(), values.std() / math.sqrt(n)


# ---------------------------------------------------------------- pair level


@pytest.mark.parametrize("act", ["relu", "erf"])
def test_closed_form_matches_quadrature(act):
    rng = np.random.default_rng(0)
    q, q_prime, p = _random_pairs(rng, 300, q_max=10.0, rho_max=0.99)
    closed = pair_kernel(q, q_prime, p, activation=act, method="closed")
    quad = pair_kernel(q, q_prime, p, activation=act, method="quadrature")
    # Clustered split Gauss-Legendre, 48 nodes/piece: ~1e-11 at worst here (|rho| -> 0.99).
    assert np.max(np.abs(quad - closed) / _scale(act, q, q_prime)) < 1e-10


@pytest.mark.parametrize("act", ["relu", "erf"])
def test_closed_form_matches_mehler(act):
    rng = np.random.default_rng(1)
    q, q_prime, p = _random_pairs(rng, 300, q_max=30.0, rho_max=0.5)
    closed = pair_kernel(q, q_prime, p, activation=act)
    mehler = pair_kernel(q, q_prime, p, activation=act, method="mehler", n_terms=60)
    # Tail <= 0.5^60 ~ 1e-18 relative; what remains is the error of mu_k.
    assert np.max(np.abs(mehler - closed) / _scale(act, q, q_prime)) < 1e-12


def test_mehler_convergence_geometric_then_algebraic_at_unit_correlation():
    def error(rho, n_terms):
        exact = pair_kernel(1.0, 1.0, rho, activation="relu")
        return abs(pair_kernel(1.0, 1.0, rho, activation="relu", method="mehler",
                               n_terms=n_terms) - exact)

    assert error(0.5, 30) < 1e-12  # tail <= 0.5^30 ~ 1e-9 relative, in fact far smaller
    # At rho = 1 the relu tail is sum_{k > K} mu_k^2 / k! ~ K^{-3/2}: doubling K gains 2^1.5.
    tails = [error(1.0, k) for k in (30, 60, 120)]
    assert tails[-1] > 1e-5
    for coarse, fine in zip(tails[:-1], tails[1:], strict=True):
        assert 2.4 < coarse / fine < 3.3


def test_relu_closed_form_matches_monte_carlo():
    rng = np.random.default_rng(2)
    for q, q_prime, rho in [(1.0, 1.0, 0.3), (0.5, 4.0, -0.7), (2.0, 1.5, 0.95)]:
        p = rho * math.sqrt(q * q_prime)
        mean, se = _monte_carlo_pair(rng, "relu", q, q_prime, p)
        assert abs(pair_kernel(q, q_prime, p, activation="relu") - mean) < 5 * se


def test_tanh_quadrature_mehler_and_monte_carlo_agree():
    rng = np.random.default_rng(3)
    q, q_prime, p = _random_pairs(rng, 200, q_max=20.0, rho_max=0.5)
    quad = pair_kernel(q, q_prime, p, activation="tanh")
    mehler = pair_kernel(q, q_prime, p, activation="tanh", method="mehler", n_terms=80)
    # Two rules that share nothing but the activation: agree to ~1e-14 at |rho| <= 1/2.
    assert np.max(np.abs(quad - mehler) / _scale("tanh", q, q_prime)) < 1e-12
    for q1, q2, rho in [(1.0, 2.0, 0.6), (9.0, 0.3, -0.9)]:
        p1 = rho * math.sqrt(q1 * q2)
        mean, se = _monte_carlo_pair(rng, "tanh", q1, q2, p1)
        assert abs(pair_kernel(q1, q2, p1, activation="tanh") - mean) < 5 * se


def test_polynomial_activation_against_hand_computation():
    # s = 1 + He_2/sqrt(2): E[s(U) s(V)] = 1 + rho^2 at q = q' = 1, and s(0) E[s] at q = 0.
    act = "hermite(1,0,1)"
    rho = np.array([-0.8, 0.0, 0.4, 1.0])
    for method in ("quadrature", "mehler"):
        values = pair_kernel(1.0, 1.0, rho, activation=act, method=method)
        np.testing.assert_allclose(values, 1.0 + rho**2, rtol=0, atol=1e-12)
        at_zero = pair_kernel(0.0, 1.0, 0.0, activation=act, method=method)
        assert abs(at_zero - (1.0 - 1.0 / math.sqrt(2.0))) < 1e-12


# ---------------------------------------------------------------- moments and input view


def test_moments_match_explicit_sigma():
    rng = np.random.default_rng(4)
    d, c, theta = 30, 1.7, 0.8
    u = _unit(rng, d)
    X, Y = rng.standard_normal((12, d)), rng.standard_normal((7, d))
    sigma = (c / d) * np.eye(d) + theta * np.outer(u, u)
    q_x, q_y, P = spiked_covariance_moments(X, Y, c=c, theta=theta, direction=u)
    np.testing.assert_allclose(q_x, np.einsum("ij,jk,ik->i", X, sigma, X), rtol=1e-13)
    np.testing.assert_allclose(q_y, np.einsum("ij,jk,ik->i", Y, sigma, Y), rtol=1e-13)
    np.testing.assert_allclose(P, X @ sigma @ Y.T, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_spiked_kernel_is_isotropic_kernel_of_transformed_inputs(act):
    rng = np.random.default_rng(5)
    d, c, theta = 40, 1.3, 0.6
    u = _unit(rng, d)
    X, Y = rng.standard_normal((50, d)), rng.standard_normal((30, d))
    k1 = gaussian_kernel_gram(X, Y, activation=act, c=c, theta=theta, direction=u)
    AX, AY = (input_transform(Z, c=c, theta=theta, direction=u) for Z in (X, Y))
    k0 = gaussian_kernel_gram(AX, AY, activation=act)
    # For tanh the two sides even take different series paths (spiked vs isotropic).
    assert np.max(np.abs(k1 - k0)) < 1e-12 * np.max(np.abs(k1))


# ---------------------------------------------------------------- Gram matrices


@pytest.mark.parametrize(("c", "theta", "d"), [(1.0, 0.0, 60), (1.3, 2.0, 60), (2.0, 6.0, 25)])
def test_series_gram_matches_erf_closed_form(c, theta, d):
    rng = np.random.default_rng(6)
    u = _unit(rng, d)
    X = rng.standard_normal((150, d))
    X[:3] += 4.0 * u  # large kappa: q up to ~ c + 25 theta
    closed = gaussian_kernel_gram(X, activation="erf", c=c, theta=theta, direction=u)
    series = gaussian_kernel_gram(X, activation="erf", c=c, theta=theta, direction=u,
                                  method="series")
    diag = np.sqrt(np.diag(closed))
    # Series ~1e-14; |rho0| > 1/2 pairs (many at d = 25, q up to ~200) by quadrature, ~1e-12.
    assert np.max(np.abs(series - closed) / np.outer(diag, diag)) < 1e-11


@pytest.mark.parametrize("act", ["tanh", "hermite(0.3,1,0.5,0.2)"])
def test_series_gram_matches_pairwise_quadrature(act):
    # hermite(...) is neither odd nor even: exercises the full-line xi rule.
    rng = np.random.default_rng(7)
    d, c, theta = 50, 1.2, 1.5
    u = _unit(rng, d)
    X, Y = rng.standard_normal((25, d)), rng.standard_normal((20, d))
    Y[0] = X[0]  # a duplicate across X and Y (rho0 = 1)
    kw = dict(activation=act, c=c, theta=theta, direction=u)
    series = gaussian_kernel_gram(X, Y, **kw)
    quad = gaussian_kernel_gram(X, Y, method="quadrature", **kw)
    scale = np.sqrt(np.outer(np.diag(gaussian_kernel_gram(X, **kw)),
                             np.diag(gaussian_kernel_gram(Y, **kw))))
    assert np.max(np.abs(series - quad) / scale) < 1e-12  # measured ~1e-14


def test_isotropic_series_matches_mehler_and_unit_variance_formula():
    # theta = 0, |x|^2 = d: q = 1, so k = sum_k c_k^2 rho^k exactly for a Hermite sum.
    rng = np.random.default_rng(8)
    d, coef = 80, np.array([0.3, 1.0, 0.5, 0.2])
    X = rng.standard_normal((60, d))
    X *= math.sqrt(d) / np.linalg.norm(X, axis=1, keepdims=True)
    rho = np.clip(X @ X.T / d, -1.0, 1.0)
    exact = sum(ck**2 * rho**k for k, ck in enumerate(coef))
    act = "hermite(" + ",".join(map(str, coef)) + ")"
    np.testing.assert_allclose(gaussian_kernel_gram(X, activation=act), exact, atol=1e-12)
    np.testing.assert_allclose(gaussian_kernel_gram(X, activation=act, method="mehler"), exact,
                               atol=1e-12)


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_gram_symmetric_psd_and_blockwise_consistent(act):
    rng = np.random.default_rng(9)
    d = 30
    u = _unit(rng, d)
    X = rng.standard_normal((200, d))
    kw = dict(activation=act, c=1.5, theta=2.0, direction=u)
    K = gaussian_kernel_gram(X, **kw)
    assert np.array_equal(K, K.T)
    eig = np.linalg.eigvalsh(K)
    assert eig[0] >= -1e-10 * eig[-1]
    blocked = gaussian_kernel_gram(X, block_size=37, **kw)
    assert np.array_equal(blocked, blocked.T)
    np.testing.assert_allclose(blocked, K, rtol=0, atol=1e-13 * eig[-1])
    cross = gaussian_kernel_gram(X[:50], X[50:], block_size=16, **kw)
    np.testing.assert_allclose(cross, K[:50, 50:], rtol=0, atol=1e-13 * eig[-1])


@pytest.mark.parametrize(("act", "repeats"), [("relu", 32), ("tanh", 4)])
def test_random_features_converge_like_inverse_sqrt_width(act, repeats):
    # E gap^2 = C / N exactly (independent neurons), so gap(N) / gap(4N) -> 2. relu's gap is
    # dominated by a few modes (its mean), hence more repeats to tame the ratio's spread
    # (ratio over 30 seeds: relu [1.69, 2.35] with 32 repeats, [0.77, 4.07] with 1; tanh
    # [1.74, 2.29] with 4 repeats).
    rng = np.random.default_rng(10)
    d, c, theta = 40, 1.3, 1.5
    u = _unit(rng, d)
    X = rng.standard_normal((80, d))
    K = gaussian_kernel_gram(X, activation=act, c=c, theta=theta, direction=u)

    def gap(n):
        sq = [relative_frobenius_gap(random_features_gram(
            _spiked_weights(rng, n, d, c=c, theta=theta, u=u), X, activation=act), K) ** 2
            for _ in range(repeats)]
        return math.sqrt(np.mean(sq))

    ratio = gap(500) / gap(2000)
    assert 1.5 < ratio < 2.6


def test_random_features_gram_blockwise_and_cross():
    rng = np.random.default_rng(11)
    W, X, Y = (rng.standard_normal(s) for s in ((130, 12), (20, 12), (9, 12)))
    direct = np.tanh(X @ W.T) @ np.tanh(Y @ W.T).T / 130
    np.testing.assert_allclose(random_features_gram(W, X, Y, activation="tanh", block_size=7),
                               direct, rtol=1e-13, atol=1e-15)
    K = random_features_gram(W, X, activation="tanh", block_size=50)
    assert np.array_equal(K, K.T)


def test_relative_frobenius_gap():
    assert relative_frobenius_gap(1.1 * np.eye(4), np.eye(4)) == pytest.approx(0.1, rel=1e-14)
    with pytest.raises(ValueError, match="K:"):
        relative_frobenius_gap(np.eye(3), np.eye(4))
    with pytest.raises(ValueError, match="K_ref"):
        relative_frobenius_gap(np.eye(3), np.zeros((3, 3)))


# ---------------------------------------------------------------- bad inputs


def test_bad_inputs_raise_value_error_naming_the_argument():
    rng = np.random.default_rng(12)
    X = rng.standard_normal((5, 4))
    u = np.array([1.0, 0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="activation"):
        gaussian_kernel_gram(X, activation="softplus")
    with pytest.raises(ValueError, match="direction"):
        gaussian_kernel_gram(X, activation="relu", theta=1.0, direction=2.0 * u)
    with pytest.raises(ValueError, match="direction"):
        spiked_covariance_moments(X, c=1.0, theta=1.0, direction=None)
    with pytest.raises(ValueError, match="direction"):
        input_transform(X, c=1.0, theta=1.0, direction=u[:3])
    with pytest.raises(ValueError, match="c=-1"):
        gaussian_kernel_gram(X, activation="relu", c=-1.0)
    with pytest.raises(ValueError, match="theta"):
        spiked_covariance_moments(X, c=1.0, theta=-1.0, direction=u)
    with pytest.raises(ValueError, match="Y"):
        gaussian_kernel_gram(X, rng.standard_normal((3, 5)), activation="relu")
    with pytest.raises(ValueError, match="method"):
        gaussian_kernel_gram(X, activation="tanh", method="exact")
    with pytest.raises(ValueError, match="activation"):
        gaussian_kernel_gram(X, activation="tanh", method="closed")
    with pytest.raises(ValueError, match="block_size"):
        gaussian_kernel_gram(X, activation="relu", block_size=0)
    with pytest.raises(ValueError, match="W"):
        random_features_gram(np.ones(4), X, activation="relu")
    with pytest.raises(ValueError, match="p:"):
        pair_kernel(1.0, 1.0, 1.5, activation="relu")
    with pytest.raises(ValueError, match="q:"):
        pair_kernel(-1.0, 1.0, 0.0, activation="relu")
    with pytest.raises(ValueError, match="n_terms"):
        pair_kernel(1.0, 1.0, 0.5, activation="tanh", method="mehler", n_terms=0)


def test_small_negative_theta_is_a_valid_covariance():
    # theta in [-c/d, 0) keeps Sigma PSD (e.g. a noisy estimate of theta = 0).
    rng = np.random.default_rng(13)
    d = 20
    u = _unit(rng, d)
    X = rng.standard_normal((40, d))
    kw = dict(c=1.0, theta=-0.5 / d, direction=u)
    series = gaussian_kernel_gram(X, activation="erf", method="series", **kw)
    closed = gaussian_kernel_gram(X, activation="erf", **kw)
    assert np.max(np.abs(series - closed)) < 1e-10


def test_pipeline_size_series_gram_matches_erf_closed_form():
    # Pipeline size, 2000 x 2000 at d = 200 with a strong spike (~3 s; erf has a closed form).
    rng = np.random.default_rng(14)
    d = 200
    u = _unit(rng, d)
    X = rng.standard_normal((2000, d))
    kw = dict(activation="erf", c=1.5, theta=3.0, direction=u)
    series = gaussian_kernel_gram(X, method="series", **kw)
    closed = gaussian_kernel_gram(X, **kw)
    diag = np.sqrt(np.diag(closed))
    assert np.max(np.abs(series - closed) / np.outer(diag, diag)) < 1e-11


# ---------------------------------------------------------------- shared products and factors


@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_train_test_grams_and_shared_inner_products(act):
    rng = np.random.default_rng(15)
    d = 60
    u = _unit(rng, d)
    X, Xt = rng.standard_normal((120, d)), rng.standard_normal((70, d))
    kw = dict(activation=act, c=1.2, theta=0.8, direction=u)
    K, Kt = gaussian_kernel_train_test(X, Xt, **kw)
    ref, ref_t = gaussian_kernel_gram(X, **kw), gaussian_kernel_gram(Xt, X, **kw)
    # Jointly compressed factors vs per-call ones: each within 1e-14 relative of the exact sum.
    diag = np.sqrt(np.diag(ref))
    assert np.array_equal(K, K.T)
    assert np.max(np.abs(K - ref) / np.outer(diag, diag)) < 1e-12
    diag_t = np.sqrt(np.diag(gaussian_kernel_gram(Xt, **kw)))
    assert np.max(np.abs(Kt - ref_t) / np.outer(diag_t, diag)) < 1e-12
    inner, inner_t = X @ X.T, Xt @ X.T
    keep = inner.copy()
    K2, Kt2 = gaussian_kernel_train_test(X, Xt, inner_train=inner, inner_test=inner_t, **kw)
    assert np.array_equal(inner, keep)  # not modified
    np.testing.assert_allclose(K2, K, rtol=0, atol=1e-13)
    np.testing.assert_allclose(Kt2, Kt, rtol=0, atol=1e-13)
    np.testing.assert_allclose(gaussian_kernel_gram(Xt, X, inner=inner_t, **kw), ref_t, rtol=0,
                               atol=1e-13)
    with pytest.raises(ValueError, match="inner"):
        gaussian_kernel_gram(X, inner=inner_t, **kw)


def test_series_factors_error_bound_and_compression():
    # Tables of a smooth 2-parameter family (like M_k over rows): numerically low rank.
    rng = np.random.default_rng(16)
    xi = np.linspace(0.05, 6.0, 60)
    omega = np.exp(-0.5 * xi**2) * (xi[1] - xi[0])
    a, b = rng.uniform(-3, 3, (2, 200)), rng.uniform(-3, 3, (2, 150))

    def table(p):
        return np.stack([np.tanh(np.outer(p[0], xi) + p[1][:, None]) * (0.4**k)
                         for k in range(6)])

    ta, tb = table(a), table(b)
    rho_max = 0.3
    fa, fb = series_factors([ta, tb], omega, rho_max)
    scale_a = np.sqrt(np.einsum("kmj,kmj,j->m", ta, ta, omega))
    scale_b = np.sqrt(np.einsum("kmj,kmj,j->m", tb, tb, omega))
    for k in range(6):
        exact = (ta[k] * omega) @ tb[k].T
        err = np.abs(fa[k] @ fb[k].T - exact) / np.outer(scale_a, scale_b)
        assert np.max(err) * rho_max**k <= 1e-14  # the guaranteed (Cauchy-Schwarz) bound
        assert fa[k].shape[1] < 40  # far below the 60 xi nodes
    assert fa[5].shape[1] <= fa[0].shape[1]  # higher terms need less (weighted by rho^k)


def test_fast_tanh_matches_numpy():
    z = np.concatenate([np.linspace(-30, 30, 100_001), [0.0, -0.0, 1e-300, -1e-20, 800.0,
                                                        -800.0]])
    fast = fast_numpy(get_activation("tanh", key="s"))(z)
    assert np.max(np.abs(fast - np.tanh(z))) <= 4.5e-16
    assert fast[-2] == 1.0 and fast[-1] == -1.0 and np.all(np.isfinite(fast))
