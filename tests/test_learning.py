"""Solvers in onestep.learning checked against direct linear algebra and closed forms."""

import math

import numpy as np
import pytest

from onestep.learning import (
    best_linear_mse,
    kernel_ridge,
    population_linear_mse,
    ridge_features,
    test_mse,
)

RIDGES = np.array([1e-4, 1e-2, 1.0, 10.0])


def _features(rng, n, p, n_test=30):
    # Non-isotropic columns so the spectrum spans several decades.
    scales = np.linspace(0.1, 2.0, p)
    return rng.standard_normal((n, p)) * scales, rng.standard_normal((n_test, p)) * scales


def _rel(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@pytest.mark.parametrize(("n", "p"), [(40, 90), (90, 40)])
def test_ridge_features_matches_kernel_ridge_on_gram(n, p):
    rng = np.random.default_rng(0)
    F, Ft = _features(rng, n, p)
    y = rng.standard_normal(n)
    feat = ridge_features(F, y, Ft, ridges=RIDGES)
    kern = kernel_ridge(F @ F.T, y, Ft @ F.T, ridges=RIDGES)
    assert feat.shape == kern.shape == (RIDGES.size, Ft.shape[0])
    assert _rel(feat, kern) < 1e-8


@pytest.mark.parametrize(("n", "p"), [(40, 90), (90, 40)])
def test_primal_and_dual_paths_agree(n, p):
    rng = np.random.default_rng(1)
    F, Ft = _features(rng, n, p)
    y = rng.standard_normal(n)
    primal = ridge_features(F, y, Ft, ridges=RIDGES, method="primal")
    dual = ridge_features(F, y, Ft, ridges=RIDGES, method="dual")
    assert _rel(primal, dual) < 1e-8


@pytest.mark.parametrize(("n", "p"), [(40, 90), (90, 40)])
def test_ridge_features_matches_direct_solve(n, p):
    rng = np.random.default_rng(2)
    F, Ft = _features(rng, n, p)
    y = rng.standard_normal(n)
    lam = 0.03
    w = np.linalg.solve(F.T @ F + n * lam * np.eye(p), F.T @ y)  # (1/n)|Fw-y|^2 + lam|w|^2
    pred = ridge_features(F, y, Ft, ridges=[lam])
    assert _rel(pred[0], Ft @ w) < 1e-10


def test_kernel_ridge_matches_direct_solve_rbf():
    rng = np.random.default_rng(3)
    X, Xt = rng.standard_normal((60, 3)), rng.standard_normal((25, 3))
    y = np.sin(X[:, 0]) + 0.1 * rng.standard_normal(60)

    def rbf(a, b):
        return np.exp(-0.5 * np.sum((a[:, None] - b[None]) ** 2, axis=-1))

    K, Kt = rbf(X, X), rbf(Xt, X)
    pred = kernel_ridge(K, y, Kt, ridges=RIDGES)
    for r, lam in enumerate(RIDGES):
        direct = Kt @ np.linalg.solve(K + 60 * lam * np.eye(60), y)
        assert _rel(pred[r], direct) < 1e-9


def test_ridgeless_limits():
    rng = np.random.default_rng(4)
    # Over-determined (n > p): least squares.
    F, Ft = _features(rng, 80, 20)
    y = rng.standard_normal(80)
    w, *_ = np.linalg.lstsq(F, y, rcond=None)
    for method in ("primal", "dual"):
        assert _rel(ridge_features(F, y, Ft, ridges=[0.0], method=method)[0], Ft @ w) < 1e-7
    # Under-determined (n < p): minimum-norm interpolant fits the training labels exactly.
    F, Ft = _features(rng, 20, 80)
    y = rng.standard_normal(20)
    w = np.linalg.pinv(F) @ y
    for method in ("primal", "dual"):
        fit = ridge_features(F, y, np.vstack([F, Ft]), ridges=[0.0], method=method)[0]
        assert _rel(fit[:20], y) < 1e-8
        assert _rel(fit[20:], Ft @ w) < 1e-7


def test_test_mse_shape_and_value():
    pred = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    y = np.array([1.0, 2.0, 5.0])
    np.testing.assert_allclose(test_mse(pred, y), [4.0 / 3.0, 30.0 / 3.0])
    with pytest.raises(ValueError, match="y_test"):
        test_mse(pred, y[:2])


def test_best_linear_mse_matches_lstsq_with_intercept():
    rng = np.random.default_rng(5)
    X, Xt = rng.standard_normal((100, 5)) + 2.0, rng.standard_normal((40, 5)) + 2.0
    beta = rng.standard_normal(5)
    y, yt = 3.0 + X @ beta + rng.standard_normal(100), 3.0 + Xt @ beta
    design = np.hstack([np.ones((100, 1)), X])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    expected = np.mean((coef[0] + Xt @ coef[1:] - yt) ** 2)
    got = best_linear_mse(X, y, Xt, yt, ridges=[0.0, 1.0])
    assert got.shape == (2,)
    assert got[0] == pytest.approx(expected, rel=1e-8)
    assert got[1] > got[0]  # heavy ridge shrinks the slope of a well-specified model


def test_population_linear_mse_closed_forms():
    # relu: E s^2 = 1/2, mu0 = 1/sqrt(2 pi), mu1 = 1/2.
    relu = 0.5 - 0.25 - 1.0 / (2.0 * math.pi)
    assert population_linear_mse(teacher="relu") == pytest.approx(relu, rel=1e-10)
    assert population_linear_mse(teacher="relu", fit_intercept=False) == pytest.approx(0.25)
    assert population_linear_mse(teacher="linear", tau=0.3) == pytest.approx(0.09, rel=1e-10)
    assert population_linear_mse(teacher="he2") == pytest.approx(1.0, rel=1e-10)
    with pytest.raises(ValueError, match="tau"):
        population_linear_mse(teacher="tanh", tau=-1.0)


def test_population_linear_mse_matches_finite_sample_ols():
    # OLS in d dims on n samples has excess error ~ err * d / n (d = 8, n = 20000: 4e-4 relative),
    # and the test-set average fluctuates by sd((y - f)^2) / (mean * sqrt(n_test)) ~ 0.6%
    # (n_test = 2e5): the 2% tolerance is ~3 standard deviations.
    rng = np.random.default_rng(6)
    d, n, n_test = 8, 20_000, 200_000
    beta = rng.standard_normal(d)
    beta /= np.linalg.norm(beta)
    X, Xt = rng.standard_normal((n, d)), rng.standard_normal((n_test, d))
    y, yt = np.tanh(X @ beta), np.tanh(Xt @ beta)
    got = best_linear_mse(X, y, Xt, yt, ridges=[0.0])[0]
    pop = population_linear_mse(teacher="tanh")
    assert got == pytest.approx(pop, rel=0.02)
    # The 2% tolerance is far below the gap to the zero predictor (Var[tanh(G)] ~ 0.39 vs ~0.02).
    assert pop < 0.1 * np.var(yt)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"ridges": [-1.0]}, "ridges"),
        ({"ridges": []}, "ridges"),
        ({"ridges": [1.0], "method": "qr"}, "method"),
    ],
)
def test_bad_inputs_raise(kwargs, name):
    rng = np.random.default_rng(7)
    F, Ft = _features(rng, 10, 4)
    with pytest.raises(ValueError, match=name):
        ridge_features(F, np.zeros(10), Ft, **kwargs)


def test_shape_mismatches_raise():
    F = np.ones((10, 4))
    with pytest.raises(ValueError, match="y_train"):
        ridge_features(F, np.zeros(9), F, ridges=[1.0])
    with pytest.raises(ValueError, match="F_test"):
        ridge_features(F, np.zeros(10), np.ones((3, 5)), ridges=[1.0])
    with pytest.raises(ValueError, match="K_train"):
        kernel_ridge(np.ones((4, 5)), np.zeros(4), np.ones((2, 5)), ridges=[1.0])
    with pytest.raises(ValueError, match="K_test_train"):
        kernel_ridge(np.eye(4), np.zeros(4), np.ones((2, 3)), ridges=[1.0])
