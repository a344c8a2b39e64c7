"""Eigenlearning theory vs simulated ridge regression on Gaussian features, plus exact limits.

Simulation model: features z ~ N(0, diag(lambda)) (P of them), target y = <beta, z> + sigma eps.
The linear kernel k(z, z') = <z, z'> then has population eigenvalues lambda_j with eigenfunctions
z_j / sqrt(lambda_j), and the target power on mode j is beta_j^2 lambda_j. The test error of the
ridge solution w is exact in closed form, sum_j lambda_j (w_j - beta_j)^2 + sigma^2, so the only
randomness is the training draw; w is computed by a direct np.linalg.solve (independent of
onestep.ridge).

Tolerance: |mean_sim / theory - 1| < 3 SE + 1 / n, with SE the standard error of the seed average
(relative). The deterministic-equivalent bias of the theory is O(1/n) in expectation (single draws
fluctuate by O(1/sqrt(n)), which the seed average handles). Both terms shrink with n: about 8% at
n = 50 and 2-4% at n = 400, well below the 30-70% change of the error over that range.
"""

import numpy as np
import pytest

from onestep.eigenlearning import eigenlearning_risk, solve_kappa

NS = np.array([50, 100, 200, 400])


def _simulate(lam, beta, noise_var, n, ridge, *, seeds, rng):
    """Exact test MSE of ridge (K + n ridge I convention) for each seed; shape (seeds,)."""
    out = np.empty(seeds)
    for s in range(seeds):
        Z = rng.standard_normal((n, lam.size)) * np.sqrt(lam)
        y = Z @ beta + np.sqrt(noise_var) * rng.standard_normal(n)
        if n <= lam.size:
            w = Z.T @ np.linalg.solve(Z @ Z.T + n * ridge * np.eye(n), y)
        else:
            w = np.linalg.solve(Z.T @ Z + n * ridge * np.eye(lam.size), Z.T @ y)
        out[s] = np.sum(lam * (w - beta) ** 2) + noise_var
    return out


def _check_curve(theory, lam, beta, noise_var, ns, ridge, *, seeds, rng):
    tols = []
    for n, pred in zip(ns, theory, strict=True):
        errs = _simulate(lam, beta, noise_var, int(n), ridge, seeds=seeds, rng=rng)
        rel = errs.mean() / pred - 1.0
        se = errs.std(ddof=1) / np.sqrt(seeds) / errs.mean()
        tol = 3.0 * se + 1.0 / n
        assert abs(rel) < tol, f"n={n}: sim {errs.mean():.5f} vs theory {pred:.5f} (tol {tol:.3f})"
        tols.append(tol)
    return np.array(tols)


def _power_law(P=1000):
    k = np.arange(1, P + 1)
    lam = k**-1.5 / np.sum(k**-1.5)
    power = k**-1.5 / np.sum(k**-1.5)  # target power v_j^2, unit total
    return lam, power, np.sqrt(power / lam)


@pytest.mark.parametrize("ridge", [1e-3, 0.0])
def test_power_law_matches_simulation(ridge):
    lam, power, beta = _power_law()
    noise_var = 0.1
    theory = eigenlearning_risk(
        eigenvalues=lam,
        multiplicities=np.ones_like(lam),
        target_power=power,
        n_train=NS,
        ridge=ridge,
        noise_var=noise_var,
    )
    tols = _check_curve(
        theory.test_mse, lam, beta, noise_var, NS, ridge, seeds=30, rng=np.random.default_rng(0)
    )
    # Ridgeless draws fluctuate more (E0 is larger), hence 4% rather than 2% at n = 400.
    assert tols[-1] < 0.04 and tols[-1] < tols[0] / 2
    # The curve moves by much more than the tolerance (ridgeless it is non-monotone: P = 1000).
    assert np.ptp(theory.test_mse) / theory.test_mse.min() > 5 * tols[-1]


def _blocks(tail_eig):
    # Three degenerate levels (like the degree sectors of a dot-product kernel), tail trace fixed.
    levels = np.array([0.3, 0.02, tail_eig])
    mult = np.array([1.0, 20.0, round(0.2 / tail_eig)])
    return levels, mult, np.array([0.5, 0.3, 0.1])


def test_multiplicities_match_simulation():
    levels, mult, power = _blocks(1e-4)
    noise_var, ridge = 0.05, 1e-3
    theory = eigenlearning_risk(
        eigenvalues=levels,
        multiplicities=mult,
        target_power=power,
        n_train=NS,
        ridge=ridge,
        noise_var=noise_var,
    )
    counts = mult.astype(int)
    lam = np.repeat(levels, counts)
    beta = np.repeat(np.sqrt(power / (mult * levels)), counts)
    _check_curve(
        theory.test_mse, lam, beta, noise_var, NS, ridge, seeds=24, rng=np.random.default_rng(1)
    )


@pytest.mark.parametrize("tail_eig", [5e-5, 5e-6, 5e-7])
def test_tail_trace_acts_as_ridge(tail_eig):
    # Full theory vs theory that lists only the top two levels and passes the third as tail trace
    # and residual power. The neglected terms are first order in the tail learnability
    # L_t = lambda_t / (lambda_t + kappa) (kappa equation, bias factor (1 - L_t)^2) plus
    # m_t L_t^2 / n in E0, so |rel| < 2 L_t + m_t L_t^2 / n, and it vanishes as lambda_t -> 0.
    levels, mult, power = _blocks(tail_eig)
    common = dict(n_train=NS, ridge=1e-3, noise_var=0.05)
    full = eigenlearning_risk(eigenvalues=levels, multiplicities=mult, target_power=power, **common)
    tail = eigenlearning_risk(
        eigenvalues=levels[:2],
        multiplicities=mult[:2],
        target_power=power[:2],
        residual_power=power[2],
        tail_trace=mult[2] * levels[2],
        **common,
    )
    rel = np.abs(tail.test_mse / full.test_mse - 1.0)
    l_tail = full.learnabilities[:, 2]
    assert np.all(rel < 2 * l_tail + mult[2] * l_tail**2 / NS)
    assert rel.max() < 1e3 * tail_eig  # first order in lambda_t at fixed tail trace


def test_infinite_ridge_gives_second_moment():
    levels, mult, power = _blocks(5e-5)
    out = eigenlearning_risk(
        eigenvalues=levels,
        multiplicities=mult,
        target_power=power,
        n_train=[10, 1000],
        ridge=1e10,
        noise_var=0.05,
        residual_power=0.02,
    )
    np.testing.assert_allclose(out.test_mse, power.sum() + 0.05 + 0.02, rtol=1e-8)


def test_single_mode_many_samples_gives_noise():
    out = eigenlearning_risk(
        eigenvalues=[1.0],
        multiplicities=[1.0],
        target_power=[1.0],
        n_train=1e7,
        ridge=1e-12,
        noise_var=0.1,
    )
    assert out.learnabilities[0] == pytest.approx(1.0, abs=1e-6)
    assert out.test_mse == pytest.approx(0.1, rel=1e-6)  # E0 = 1 + O(1/n)
    assert out.excess_mse == pytest.approx(0.0, abs=1e-6)


def test_ridgeless_underparameterised_matches_ols():
    # Gaussian-design OLS with M features: E test = sigma^2 (n - 1) / (n - M - 1) exactly; the
    # theory's n / (n - M) differs by the relative amount M / ((n - M)(n - 1)) ~ 1e-4 here.
    n, noise_var = 1000, 0.3
    kw = dict(
        eigenvalues=[1.0, 0.01],
        multiplicities=[40, 60],
        target_power=[0.5, 0.5],
        n_train=n,
        noise_var=noise_var,
    )
    out = eigenlearning_risk(ridge=0.0, **kw)
    assert out.kappa == 0.0
    exact = noise_var * (n - 1) / (n - 100 - 1)
    assert out.test_mse == pytest.approx(exact, rel=2 * 100 / ((n - 100) * (n - 1)))
    assert eigenlearning_risk(ridge=1e-13, **kw).test_mse == pytest.approx(out.test_mse, rel=1e-8)


def test_interpolation_threshold_is_infinite():
    out = eigenlearning_risk(
        eigenvalues=[1.0, 0.1],
        multiplicities=[30, 70],
        target_power=[0.2, 0.2],
        n_train=100,
        ridge=0.0,
        noise_var=0.1,
    )
    assert np.isinf(out.e0) and np.isinf(out.test_mse)


def test_kappa_equation_with_huge_multiplicities():
    lam = np.array([0.5, 1e-3, 1e-6, 1e-9])
    mult = np.array([1.0, 1e3, 5e5, 1.7e8])  # ~ 1, d, d^2/2, d^3/6 at d = 1000
    for n, delta in [(50.0, 0.0), (3e4, 1e-4), (1e6, 0.0), (1e6, 10.0)]:
        kappa = solve_kappa(lam, mult, n_train=n, delta=delta)
        lhs = np.sum(mult * lam / (lam + kappa)) + delta / kappa
        assert lhs == pytest.approx(n, rel=1e-12)


def test_broadcasting_matches_scalar_calls():
    lam, power, _ = _power_law(200)
    kw = dict(eigenvalues=lam, multiplicities=np.ones_like(lam), target_power=power)
    out = eigenlearning_risk(n_train=[20, 80, 320], ridge=[[1e-4], [1e-2]], **kw)
    assert out.test_mse.shape == (2, 3) and out.learnabilities.shape == (2, 3, 200)
    for i, ridge in enumerate([1e-4, 1e-2]):
        for j, n in enumerate([20, 80, 320]):
            single = eigenlearning_risk(n_train=n, ridge=ridge, **kw)
            assert out.test_mse[i, j] == single.test_mse
    assert np.all(np.diff(out.test_mse, axis=1) < 0)  # more data helps at fixed ridge


@pytest.mark.parametrize(
    ("override", "name"),
    [
        ({"ridge": -1.0}, "ridge"),
        ({"n_train": 0}, "n_train"),
        ({"n_train": [10, -5]}, "n_train"),
        ({"multiplicities": [1.0]}, "multiplicities"),
        ({"target_power": [1.0, 2.0, 3.0]}, "target_power"),
        ({"eigenvalues": [1.0, -0.1]}, "eigenvalues"),
        ({"noise_var": -0.1}, "noise_var"),
        ({"tail_trace": np.nan}, "tail_trace"),
    ],
)
def test_bad_inputs_raise(override, name):
    kw = dict(
        eigenvalues=[1.0, 0.1],
        multiplicities=[1, 5],
        target_power=[0.5, 0.5],
        n_train=10,
        ridge=0.1,
    )
    kw.update(override)
    with pytest.raises(ValueError, match=name):
        eigenlearning_risk(**kw)


@pytest.mark.slow
def test_power_law_matches_simulation_large_n():
    lam, power, beta = _power_law(3000)
    ns = np.array([800, 1600])
    theory = eigenlearning_risk(
        eigenvalues=lam,
        multiplicities=np.ones_like(lam),
        target_power=power,
        n_train=ns,
        ridge=1e-4,
        noise_var=0.1,
    )
    tols = _check_curve(
        theory.test_mse, lam, beta, 0.1, ns, 1e-4, seeds=12, rng=np.random.default_rng(2)
    )
    assert tols[-1] < 0.01
