"""Solvers in onestep.ridge checked against direct linear algebra and closed forms."""

import math

import numpy as np
import pytest

from onestep.linalg import prefix_cho_solve, shifted_cholesky
from onestep.ridge import (
    best_linear_mse,
    kernel_ridge,
    nested_kernel_ridge,
    nested_ridge_features,
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


# ---------------------------------------------------------------- Cholesky and nested solvers


@pytest.mark.parametrize(("n", "p"), [(40, 90), (90, 40)])
def test_cholesky_solver_matches_eigendecomposition(n, p):
    rng = np.random.default_rng(8)
    F, Ft = _features(rng, n, p)
    y = rng.standard_normal(n)
    for method in ("primal", "dual"):
        chol = ridge_features(F, y, Ft, ridges=RIDGES, method=method)
        eig = ridge_features(F, y, Ft, ridges=RIDGES, method=method, solver="eigh")
        # Condition numbers <= ~1e6 (smallest ridge): both ~1e-13 from the exact solution.
        assert _rel(chol, eig) < 1e-10
    K, Kt = F @ F.T, Ft @ F.T
    assert _rel(kernel_ridge(K, y, Kt, ridges=RIDGES),
                kernel_ridge(K, y, Kt, ridges=RIDGES, solver="eigh")) < 1e-10


@pytest.mark.parametrize("convention", ["mean", "sum"])
def test_nested_kernel_ridge_matches_separate_fits(convention):
    # 'sum': n lambda constant, so one Cholesky of the largest block serves every prefix.
    rng = np.random.default_rng(9)
    F, Ft = _features(rng, 300, 120)
    K, Kt, y = F @ F.T + 0.1, Ft @ F.T + 0.1, rng.standard_normal(300)
    sizes = np.array([300, 17, 120, 121, 256, 257])  # unsorted; across the 256-row sub-blocks
    lam = np.full(sizes.size, 0.01) if convention == "mean" else 0.5 / sizes
    got = nested_kernel_ridge(K.copy(), y, Kt, sizes=sizes, ridges=lam, overwrite=True)
    for row, n, r in zip(got, sizes, lam, strict=True):
        ref = kernel_ridge(K[:n, :n], y[:n], Kt[:, :n], ridges=[r], solver="eigh")[0]
        assert _rel(row, ref) < 1e-10


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_nested_ridge_features_matches_separate_fits(fit_intercept):
    rng = np.random.default_rng(10)
    F, Ft = _features(rng, 200, 60)
    F, Ft = F + 3.0, Ft + 3.0  # far from centred: the intercept matters
    y = rng.standard_normal(200) + 2.0
    sizes = np.array([20, 60, 61, 150, 200])  # dual (n <= p) and accumulated primal sizes
    for lam in (np.full(5, 0.02), 0.3 / sizes, np.zeros(5)):  # mean, sum, ridgeless
        got = nested_ridge_features(F, y, Ft, sizes=sizes, ridges=lam,
                                    fit_intercept=fit_intercept)
        for row, n, r in zip(got, sizes, lam, strict=True):
            mx = F[:n].mean(axis=0) if fit_intercept else 0.0
            my = y[:n].mean() if fit_intercept else 0.0
            ref = ridge_features(F[:n] - mx, y[:n] - my, Ft - mx, ridges=[r], solver="eigh")[0]
            # Ridgeless at n = p = 60 is ill-conditioned: min-norm LS agrees to ~1e-9 there.
            assert _rel(row, ref + my) < (1e-7 if r == 0 else 1e-10), (n, r)


def test_prefix_cholesky_solves_and_non_pd_detection():
    rng = np.random.default_rng(11)
    A = rng.standard_normal((600, 200))
    K, b = A @ A.T, rng.standard_normal(600)
    factor = shifted_cholesky(K, 0.3)
    for n in (1, 255, 256, 257, 600):
        x = prefix_cho_solve(factor, b, n)
        assert _rel(x, np.linalg.solve(K[:n, :n] + 0.3 * np.eye(n), b[:n])) < 1e-11
    assert shifted_cholesky(K, 0.0) is None  # rank 200 < 600: not positive definite
    with pytest.raises(ValueError, match="solver"):
        kernel_ridge(K, b, K, ridges=[1.0], solver="lu")
    with pytest.raises(ValueError, match="sizes"):
        nested_kernel_ridge(K, b, K, sizes=[0, 10], ridges=[1.0, 1.0])
    with pytest.raises(ValueError, match="ridges"):
        nested_ridge_features(A, b, A, sizes=[10, 20], ridges=[1.0])
