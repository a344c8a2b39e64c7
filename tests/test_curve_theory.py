"""Eigenlearning curves from the sector spectrum: identities between the kernels and limits."""

import numpy as np

from onestep.activations import get_activation
from onestep.curve_theory import kernel_theory_curve
from onestep.hermite import second_moment

QUAD = dict(n_kappa=16, n_r=8, n_t=12)
ALPHAS = np.array([0.5, 1.0, 2.0, 4.0, 8.0])


def _curve(**kw):
    base = dict(student="relu", teacher="tanh", d=20, c=1.0, theta=0.0, gamma=0.7, tau=0.0,
                alphas=ALPHAS, ridge=0.1, quadrature=QUAD)
    curve = kernel_theory_curve(**{**base, **kw})
    return {m: g.sort_values("alpha")["test_mse"].to_numpy() for m, g in curve.groupby("method")}


def test_without_a_spike_all_three_kernels_coincide():
    curves = _curve()
    np.testing.assert_allclose(curves["krr_beta"], curves["krr_k0"], rtol=1e-12)
    # k1 splits the target along h_hat (gamma = 0.7): its power in the unlisted sectors l >= 3
    # (eigenvalues O(d^-3), never learned here) counts as noise, so the split moves the
    # prediction by O(d^-3) only (5.6e-5 measured at d = 20)
    np.testing.assert_allclose(curves["krr_k1"], curves["krr_k0"], rtol=2 / 20**3)


def test_full_alignment_makes_k1_the_beta_spiked_kernel():
    curves = _curve(theta=0.5, gamma=1.0)
    np.testing.assert_allclose(curves["krr_k1"], curves["krr_beta"], rtol=1e-10)


def test_error_falls_with_alpha_and_a_spike_along_beta_helps():
    curves = _curve(theta=0.5, gamma=0.7)
    for values in curves.values():
        assert np.all(np.diff(values) < 0), values  # ridge 0.1: no interpolation peak
    assert np.all(curves["krr_beta"] < curves["krr_k0"])
    # never above the label variance E[y^2] (predicting 0)
    total = second_moment(get_activation("tanh"))
    assert np.all(curves["krr_k0"] < total)


def test_label_noise_adds_at_least_its_variance():
    quiet, noisy = _curve(theta=0.5), _curve(theta=0.5, tau=0.3)
    for method in quiet:
        assert np.all(noisy[method] - quiet[method] >= 0.09 * (1 - 1e-9))


def test_linear_ridge_theory_limits():
    # Vanishing ridge: OLS sigma^2 g/(1-g) and min-norm mu1^2 (1-1/g) + sigma^2/(g-1) (excess).
    from onestep.curve_theory import linear_ridge_theory
    from onestep.hermite import hermite_coefficients
    from onestep.ridge import population_linear_mse

    sigma2 = population_linear_mse(teacher="tanh", tau=0.3)
    mu1 = hermite_coefficients(get_activation("tanh"), 1)[1]
    curve = linear_ridge_theory(teacher="tanh", tau=0.3, d=1000, alphas=[4.0, 0.5], ridge=1e-10,
                                fit_intercept=False)["test_mse"].to_numpy()
    np.testing.assert_allclose(curve[0], sigma2 + sigma2 * 0.25 / 0.75, rtol=1e-6)
    np.testing.assert_allclose(curve[1], sigma2 + mu1**2 * 0.5 + sigma2 / (2 - 1), rtol=1e-6)


def test_linear_ridge_theory_matches_simulation():
    # d = 800, 4 seeds of fresh data: within 3 standard errors (seeds) + 2% (O(1/sqrt(d)) effects
    # of the nonlinear part of the teacher; measured 1-2% at d = 800, 5-10% at d = 200).
    from onestep.curve_theory import linear_ridge_theory
    from onestep.model import sample_inputs, teacher_labels
    from onestep.ridge import nested_ridge_features, test_mse

    d, alphas = 800, np.array([0.5, 1.5, 3.0])
    sizes = np.round(alphas * d).astype(int)
    sims = []
    for seed in range(4):
        rng = np.random.default_rng([seed, 7])
        beta = rng.standard_normal(d)
        beta /= np.linalg.norm(beta)
        X = sample_inputs(sizes.max() + 2000, d, law="gaussian", rng=rng)
        y = teacher_labels(X, beta, teacher="tanh", tau=0.0, rng=rng)
        n = sizes.max()
        pred = nested_ridge_features(X[:n], y[:n], X[n:], sizes=sizes, ridges=np.full(3, 1e-3),
                                     fit_intercept=True)
        sims.append(test_mse(pred, y[n:]))
    sims = np.array(sims)
    theory = linear_ridge_theory(teacher="tanh", tau=0.0, d=d, alphas=alphas, ridge=1e-3)
    tol = 3 * sims.std(0, ddof=1) / 2 + 0.02 * sims.mean(0)
    assert np.all(np.abs(theory["test_mse"].to_numpy() - sims.mean(0)) <= tol)


def test_methods_selects_kernels_and_none_gives_an_empty_table():
    full = _curve(theta=0.5)
    only = _curve(theta=0.5, methods=["krr_k0", "rf_post"])  # non-kernel names are ignored
    assert set(only) == {"krr_k0"}
    np.testing.assert_array_equal(only["krr_k0"], full["krr_k0"])
    empty = kernel_theory_curve(student="relu", teacher="tanh", d=20, c=1.0, theta=0.5, gamma=0.7,
                                tau=0.0, alphas=ALPHAS, ridge=0.1, quadrature=QUAD,
                                methods=["linear"])
    assert empty.empty and list(empty.columns) == ["method", "alpha", "n_train", "test_mse",
                                                   "kappa"]
