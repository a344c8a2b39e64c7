"""Kernel stage: estimators of one analysis job agree with each other and with closed forms.

Independent references: the exact ReLU linear eigenvalues (c/d + theta)/4 and c/(4d); the
isotropic ReLU spectrum by Funk-Hecke on the full sphere of R^d (scipy.integrate.quad, not the
sector reduction on S^{d-2}); a Monte Carlo sample covariance for the Marchenko-Pastur outlier
statistics; random features of exactly Gaussian weights for the kernel gap.
"""

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import gammaln

from onestep.covariance import SpikedCovariance
from onestep.kernels.analysis import KERNELS, ROW_COLUMNS, analyse_kernel_point, find_modes
from onestep.kernels.estimators import outlier_statistics
from onestep.kernels.gram import gaussian_kernel_gram, random_features_gram, relative_frobenius_gap
from onestep.kernels.sectors import SectorSpectrum, sector_spectrum
from onestep.kernels.studies import (
    eigenvalue_table,
    input_space_gram_error,
    kernel_gap,
    sector_validation,
)

D, M, C, THETA = 30, 600, 1.1, 0.4
GRID = dict(n_kappa=32, n_r=16, n_t=24)


def _point(d, c, theta, n_neurons, seed):
    rng = np.random.default_rng(seed)
    h = rng.standard_normal(d)
    h /= np.linalg.norm(h)
    beta = 0.8 * h + 0.6 * np.linalg.qr(np.column_stack([h, rng.standard_normal(d)]))[0][:, 1]
    # rows exactly N(0, Sigma): W = sqrt(c/d) G + sqrt(theta) xi h^T
    W1 = math.sqrt(c / d) * rng.standard_normal((n_neurons, d)) + math.sqrt(theta) * np.outer(
        rng.standard_normal(n_neurons), h)
    return W1, h, beta


@pytest.fixture(scope="module")
def relu_rows():
    W1, h, beta = _point(D, C, THETA, 4000, 0)
    rows, arrays = analyse_kernel_point(
        W1=W1, h_hat=h, beta=beta, student="relu", c=C, theta=THETA, c_hat=1.05 * C,
        theta_hat=0.9 * THETA, n_samples=M, n_eigs=12, quadrature=GRID,
        rng=np.random.default_rng(1))
    return rows, arrays


def _value(rows, kernel, estimator, mode, quantity="eigenvalue", variant=None):
    hit = rows[(rows["kernel"] == kernel) & (rows["estimator"] == estimator)
               & (rows["mode"] == mode) & (rows["quantity"] == quantity)]
    if variant is not None:
        hit = hit[hit["variant"] == variant]
    assert len(hit) == 1, (kernel, estimator, mode, quantity, variant, len(hit))
    return hit.iloc[0]


def test_rows_schema_and_arrays(relu_rows):
    rows, arrays = relu_rows
    assert list(rows.columns) == list(ROW_COLUMNS)
    assert set(rows["kernel"]) == set(KERNELS)
    assert set(rows["estimator"]) == {"quadrature", "rayleigh", "gram", "theory"}
    assert not rows.duplicated(["kernel", "estimator", "variant", "mode", "quantity"]).any()
    assert "quadrature" not in set(rows.loc[rows["kernel"] == "rf", "estimator"])
    assert rows["value"].notna().all() and rows["value"].dtype == np.float64
    for kernel in ("k0", "k1"):
        assert arrays[f"{kernel}_l1_multiplicity"] == D - 1
        assert arrays[f"gram_{kernel}"].shape == (12,)
    # the 29 orthogonal linear modes are degenerate: never a Gram outlier
    assert rows[(rows["estimator"] == "gram") & (rows["mode"] == "orthogonal_linear")].empty


def test_relu_boosted_linear_quadrature_rayleigh_gram_and_exact(relu_rows):
    rows, _ = relu_rows
    exact = (C / D + THETA) / 4
    assert _value(rows, "k1", "theory", "boosted_linear", variant="exact")["value"] == exact
    # sector quadrature of the exact rank-structure (p/4 is a polynomial kernel): round-off only
    assert _value(rows, "k1", "quadrature", "boosted_linear")["value"] == pytest.approx(exact,
                                                                                        rel=1e-9)
    assert _value(rows, "k1", "quadrature", "orthogonal_linear")["value"] == pytest.approx(
        C / (4 * D), rel=1e-9)
    # Rayleigh with control variate: the error left is the degenerate U-statistic part,
    # sd ~ lambda_top sqrt(2)/m ~ 0.2 * 1.4 / 600 ~ 0.5e-3 ~ 0.4% of exact: 2% is > 4 sd, and it
    # is ~1/15 of the effect (boost factor 1 + d theta / c ~ 12).
    ray = _value(rows, "k1", "rayleigh", "boosted_linear")
    assert ray["value"] == pytest.approx(exact, rel=0.02) and ray["stderr"] < 0.02 * exact
    # Gram outlier: lambda (1 + MP shift) up to the first-order fluctuation
    # lambda sd(kappa^2) / sqrt(m)
    gram = _value(rows, "k1", "gram", "boosted_linear")
    shift = _value(rows, "k1", "gram", "boosted_linear", "mp_shift_predicted")["value"]
    assert abs(gram["value"] - exact * (1 + shift)) < 4 * gram["stderr"]
    assert gram["stderr"] == pytest.approx(exact * math.sqrt(2 / M), rel=0.25)
    assert _value(rows, "k1", "gram", "boosted_linear", "candidate_cosine")["value"] > 0.95


def _relu_isotropic(degree, d):
    """Funk-Hecke coefficient of the arc-cosine kernel on S^{d-1} (k0 = |x||x'| a(t) / d)."""
    def a(t):
        return (math.sqrt(1 - t * t) + (math.pi - math.acos(t)) * t) / (2 * math.pi)

    legendre = {0: lambda t: 1.0, 2: lambda t: (d * t * t - 1) / (d - 1)}[degree]
    weight = lambda t: (1 - t * t) ** ((d - 3) / 2)  # noqa: E731
    num = quad(lambda t: a(t) * legendre(t) * weight(t), -1, 1, epsabs=1e-14, epsrel=1e-12)[0]
    return num / quad(weight, -1, 1, epsabs=1e-15)[0]


def test_isotropic_kernel_matches_funk_hecke(relu_rows):
    rows, _ = relu_rows
    # k0 relu: |x| Y_L with eigenvalue a_L; a_1 = 1/(4d) shared by kappa and the orthogonal
    # linear modes. Measured agreement of the coarse grid: 1e-15 (a_0), 1e-9 (a_2).
    for mode in ("boosted_linear", "orthogonal_linear"):
        assert _value(rows, "k0", "quadrature", mode)["value"] == pytest.approx(1 / (4 * D),
                                                                               rel=1e-9)
    top = _relu_isotropic(0, D)
    assert _value(rows, "k0", "quadrature", "top_even")["value"] == pytest.approx(top, rel=1e-9)
    assert _value(rows, "k0", "quadrature", "second_even")["value"] == pytest.approx(
        _relu_isotropic(2, D), rel=1e-7)
    # top mode |x|/sqrt(d): Rayleigh error O(1/m) ~ 2e-3 (measured 1e-4); Gram outlier within
    # 4 first-order SE (lambda sd(|x|^2/d)/sqrt(m) ~ 1%) of lambda (1 + MP shift)
    assert _value(rows, "k0", "rayleigh", "top_even")["value"] == pytest.approx(top, rel=2e-3)
    gram = _value(rows, "k0", "gram", "top_even")
    shift = _value(rows, "k0", "gram", "top_even", "mp_shift_predicted")["value"]
    assert abs(gram["value"] - top * (1 + shift)) < 4 * gram["stderr"] < 0.05 * top
    # k0's boosted mode is degenerate with the orthogonal ones: no Gram row
    assert rows[(rows["kernel"] == "k0") & (rows["estimator"] == "gram")
                & (rows["mode"] == "boosted_linear")].empty


def test_top_mode_estimators_agree_and_mix_with_he2(relu_rows):
    rows, _ = relu_rows
    quad_top = _value(rows, "k1", "quadrature", "top_even")["value"]
    # large-step theory is exact in theta only as d -> infinity: O(1/d) ~ 3% at d = 30
    assert _value(rows, "k1", "theory", "top_even", variant="large_step")["value"] == \
        pytest.approx(quad_top, rel=0.03)
    assert _value(rows, "k1", "rayleigh", "top_even")["value"] == pytest.approx(quad_top, rel=5e-3)
    # k0's top eigenfunction is exactly |x| / sqrt(d): overlaps from the chi moments E|x|^p
    m1, m3 = (math.exp(p / 2 * math.log(2) + gammaln((D + p) / 2) - gammaln(D / 2))
              for p in (1, 3))
    exact = {"constant": m1 / math.sqrt(D), "radial": (m3 - D * m1) / (math.sqrt(2) * D),
             "he2_kappa": (m3 / D - m1) / math.sqrt(2 * D)}
    for name, value in exact.items():
        assert _value(rows, "k0", "quadrature", "top_even", f"overlap_{name}")["value"] == \
            pytest.approx(value, rel=1e-6), name
    he2 = _value(rows, "k1", "quadrature", "top_even", "overlap_he2_kappa")["value"]
    assert he2 > 5 * exact["he2_kappa"]  # the spike mixes He2(kappa) into the top mode
    assert he2 == pytest.approx(  # rank-one sqrt(q) prediction; O(theta^2) corrections
        _value(rows, "k1", "theory", "top_even", "overlap_he2_kappa", "leading")["value"], rel=0.2)
    # Gram eigenvector cosines estimate the same overlaps; SE = sd(g f)/sqrt(m): ~0.06 for He2
    # at m = 600 (too wide to see the mixing), ~0.01 for the constant (g ~ 1, sharp)
    for name in ("constant", "radial", "he2_kappa"):
        gram = _value(rows, "k1", "gram", "top_even", f"overlap_{name}")
        quad_ov = _value(rows, "k1", "quadrature", "top_even", f"overlap_{name}")["value"]
        assert abs(gram["value"] - quad_ov) < 4 * gram["stderr"], name
    assert _value(rows, "k1", "gram", "top_even", "overlap_constant")["stderr"] < 0.02


def test_odd_activation_has_no_even_modes():
    res = sector_spectrum(activation="tanh", d=12, theta=0.5, n_eigs=4, **GRID)
    modes = find_modes(res, res.grid.activation)
    assert set(modes) == {"boosted_linear", "orthogonal_linear"}
    assert modes["orthogonal_linear"][0] == 1 and res.parity[0][modes["boosted_linear"][1]] == -1


def _toy_spectrum(spike, bulk, n_bulk):
    vals = {0: np.array([spike]), 1: np.array([bulk])}
    return SectorSpectrum(None, vals, {0: np.ones(1), 1: np.ones(1)}, {0: 1, 1: n_bulk}, {},
                          spike + n_bulk * bulk)


def test_outlier_statistics_match_monte_carlo_sample_covariance():
    # One spike (1.0) over 200 bulk eigenvalues (0.1), m = 1000: BBP location 1 + shift with
    # shift = (200/1000) 0.1/0.9 = 0.0222, squared cosine (1 - s)/(1 + shift). Monte Carlo of the
    # sample covariance with the first-order fluctuation divided out (sd ~ 1/m per draw).
    m, spike, bulk, n_bulk = 1000, 1.0, 0.1, 200
    stats = outlier_statistics(_toy_spectrum(spike, bulk, n_bulk), n_samples=m)
    s, shift = stats[(0, 0)]
    assert shift == pytest.approx(n_bulk * bulk / (spike - bulk) / m, rel=1e-12)
    assert stats[(1, 0)][0] < math.inf  # the bulk "cluster" leaves its own copies out
    rng = np.random.default_rng(3)
    tops, cos2 = [], []
    for _ in range(8):
        G = rng.standard_normal((m, n_bulk + 1))
        F = G * np.sqrt(np.r_[spike, np.full(n_bulk, bulk)])
        lam, vec = np.linalg.eigh(F.T @ F / m)
        tops.append(lam[-1] / np.mean(G[:, 0] ** 2))
        cos2.append(vec[0, -1] ** 2)
    assert np.mean(tops) == pytest.approx(spike * (1 + shift), abs=3e-3)
    assert np.mean(cos2) == pytest.approx((1 - s) / (1 + shift), abs=5e-3)


def test_eigenvalue_table_references(relu_rows):
    rows, _ = relu_rows
    rows = rows.assign(student="relu", d=D, eta_t=1.0)
    table = eigenvalue_table(rows)
    row = table[(table["kernel"] == "k1") & (table["mode"] == "boosted_linear")].iloc[0]
    assert row["reference"] == "exact" and abs(row["rel_err_quadrature"]) < 1e-9
    rf = table[(table["kernel"] == "rf") & (table["mode"] == "boosted_linear")].iloc[0]
    est = table[(table["kernel"] == "k1_est") & (table["mode"] == "boosted_linear")].iloc[0]
    assert rf["population_kernel"] == "k1_est" and rf["reference_value"] == est["reference_value"]
    second = table[(table["kernel"] == "k1") & (table["mode"] == "second_even")].iloc[0]
    assert second["reference"] == "quadrature" and np.isnan(second["rel_err_quadrature"])
    assert len(table) == 4 * 4  # every kernel has the four relu modes


def test_kernel_gap_falls_like_inverse_sqrt_neurons():
    # Exactly Gaussian rows: the RF kernel is an average of N' i.i.d. terms with mean k1.
    d, c, theta = 20, 1.1, 0.5
    W1, h, _ = _point(d, c, theta, 6400, 5)
    table = kernel_gap(W1=W1, h_hat=h, student="relu", c=c, theta=theta, c_hat=c,
                       theta_hat=theta, n_test=120, fractions=[1 / 64, 1 / 16, 1 / 4, 1.0],
                       rng=np.random.default_rng(6))
    assert set(table.columns) >= {"fraction", "n_neurons", "reference", "gap", "reference_gap"}
    rows = table[table["reference"] == "k1"]
    slope = np.polyfit(np.log(rows["n_neurons"]), np.log(rows["gap"]), 1)[0]
    assert slope == pytest.approx(-0.5, abs=0.08)
    assert (table["reference_gap"] == 0).all()  # same Sigma: the two references coincide


def _explicit_sqrt(cov, d):
    """``A = sqrt(d Sigma)`` by eigendecomposition of the dense matrix (independent of the code)."""
    values, vectors = np.linalg.eigh(d * cov.matrix(d))
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def test_input_transform_is_the_symmetric_square_root_of_d_sigma():
    d, c, theta = 40, 1.3, 0.7
    _, h, _ = _point(d, c, theta, 1, 7)
    cov = SpikedCovariance(c, theta, h)
    A = _explicit_sqrt(cov, d)
    np.testing.assert_allclose(A @ A, d * cov.matrix(d), rtol=0, atol=1e-12)
    X = np.random.default_rng(8).standard_normal((25, d))
    np.testing.assert_allclose(cov.input_transform(X), X @ A.T, rtol=0, atol=1e-12)


@pytest.mark.parametrize("student", ["relu", "tanh"])
def test_input_space_gram_identity_at_round_off(student):
    d, c, theta = 50, 1.2, 0.9
    _, h, _ = _point(d, c, theta, 1, 9)
    cov = SpikedCovariance(c, theta, h)
    X = np.random.default_rng(10).standard_normal((60, d))
    X[:2] += 3.0 * h  # large kappa: q up to c + 9 d theta / d
    error = input_space_gram_error(X, activation=student, covariance=cov)
    assert error < 1e-13  # measured ~1e-15 (relu), ~1e-14 (tanh)
    # Independent route: k0 on X A^T with the eigendecomposition A, k1 by pairwise quadrature.
    K1 = gaussian_kernel_gram(X, activation=student, method="quadrature", **cov.kernel_params())
    K0 = gaussian_kernel_gram(X @ _explicit_sqrt(cov, d).T, activation=student)
    scale = np.sqrt(np.diag(K1))
    assert np.max(np.abs(K1 - K0) / np.outer(scale, scale)) < 1e-9  # 2-D quadrature accuracy
    # a wrong stretch (A = sqrt(d Sigma) with theta doubled) is far above round-off
    wrong = SpikedCovariance(c, 2 * theta, h).input_transform(X)
    K_wrong = gaussian_kernel_gram(wrong, activation=student)
    assert np.max(np.abs(K1 - K_wrong) / np.outer(scale, scale)) > 1e-2


def test_random_features_of_isotropic_rows_on_ax_are_those_of_sigma_rows_on_x():
    # rows of W_iso A are N(0, A A / d) = N(0, Sigma): the same features, to round-off
    d, c, theta = 30, 1.1, 0.5
    _, h, _ = _point(d, c, theta, 1, 11)
    cov = SpikedCovariance(c, theta, h)
    rng = np.random.default_rng(12)
    W_iso, X = rng.standard_normal((500, d)) / math.sqrt(d), rng.standard_normal((40, d))
    K_ax = random_features_gram(W_iso, cov.input_transform(X), activation="tanh")
    K_x = random_features_gram(W_iso @ _explicit_sqrt(cov, d), X, activation="tanh")
    np.testing.assert_allclose(K_ax, K_x, rtol=0, atol=1e-13)


def test_kernel_gap_input_space_view_falls_like_inverse_sqrt_neurons():
    # Exactly N(0, Sigma) rows of W1: both RF kernels average N' i.i.d. terms with mean k1, so
    # E gap^2 = (v_W1 + v_iso) / N' and the log-log slope is -1/2.
    d, c, theta = 20, 1.1, 0.5
    W1, h, _ = _point(d, c, theta, 6400, 13)
    table = kernel_gap(W1=W1, h_hat=h, student="relu", c=c, theta=theta, c_hat=c,
                       theta_hat=theta, n_test=120, fractions=[1 / 64, 1 / 16, 1 / 4, 1.0],
                       rng=np.random.default_rng(14))
    rows = table[table["reference"] == "rf_iso_Ax"].sort_values("n_neurons")
    assert len(rows) == 4 and (np.diff(rows["gap"]) < 0).all()
    slope = np.polyfit(np.log(rows["n_neurons"]), np.log(rows["gap"]), 1)[0]
    assert slope == pytest.approx(-0.5, abs=0.08)
    assert (table["input_gram_error"] < 1e-13).all()
    # the isotropic rows are drawn after the test inputs, so the k1 rows are those of the first
    # draw of the stream (unchanged by the input-space view)
    X = np.random.default_rng(14).standard_normal((120, d))
    K1 = gaussian_kernel_gram(X, activation="relu", c=c, theta=theta, direction=h)
    k1 = table[(table["reference"] == "k1") & (table["fraction"] == 1.0)]["gap"].iloc[0]
    assert k1 == relative_frobenius_gap(random_features_gram(W1, X, activation="relu"), K1)


def test_sector_validation_small_fast():
    # d = 6, m = 1500, coarse grid: corrected Gram within 1% (residual O(1/m) bias, measured
    # < 0.3%); raw within 4 sqrt(2/m) ~ 15% (first-order fluctuation).
    table = sector_validation(student="relu", c=1.0, theta=0.5, d=6, n_samples=1500, draws=1,
                              n_eigs=16, quadrature=GRID, rng=np.random.default_rng(2))
    assert {(0, 0), (0, 1), (1, 0)} <= set(zip(table["sector"], table["index"], strict=True))
    assert (table["captured"] > 0.95).all()
    assert (table["rel_err_corrected"].abs() < 0.01).all(), table
    assert (table["rel_err_raw"].abs() < 4 * math.sqrt(2 / 1500)).all()


@pytest.mark.slow
def test_sector_validation_acceptance_d8():
    # Project acceptance at the config size: d = 8, m = 4000, 3 draws, default grid, tanh
    # (Mehler Gram) and relu (closed form): fluctuation- and MP-corrected within 1%.
    for student in ("relu", "tanh"):
        table = sector_validation(student=student, c=1.05, theta=0.4, d=8, n_samples=4000,
                                  draws=3, n_eigs=40, rng=np.random.default_rng(4))
        assert (table["rel_err_corrected_mp"].abs() < 0.01).all(), table
        assert (table["mean_rel_err_corrected"].abs() < 0.01).all(), table


def test_bad_inputs_raise_value_error_naming_the_argument():
    W1, h, beta = _point(12, 1.0, 0.3, 50, 0)
    kw = dict(W1=W1, h_hat=h, beta=beta, student="relu", c=1.0, theta=0.3, c_hat=1.0,
              theta_hat=0.3, n_samples=100, n_eigs=8, rng=np.random.default_rng(0))
    for key, bad in (("W1", W1[:, :3]), ("h_hat", h[:5]), ("beta", np.zeros(12)), ("c", -1.0),
                     ("c_hat", np.nan), ("theta", -0.1), ("n_samples", 5), ("n_eigs", 2)):
        with pytest.raises(ValueError, match=f"^{key}[:=]"):
            analyse_kernel_point(**{**kw, key: bad})
    with pytest.raises(ValueError, match="student"):
        analyse_kernel_point(**{**kw, "student": "swish"})
    with pytest.raises(ValueError, match="fractions"):
        kernel_gap(W1=W1, h_hat=h, student="relu", c=1.0, theta=0.3, c_hat=1.0, theta_hat=0.3,
                   n_test=20, fractions=[0.0, 1.0], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_test"):
        kernel_gap(W1=W1, h_hat=h, student="relu", c=1.0, theta=0.3, c_hat=1.0, theta_hat=0.3,
                   n_test=1, fractions=[1.0], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="draws"):
        sector_validation(student="relu", c=1.0, theta=0.3, d=6, n_samples=100, draws=0,
                          n_eigs=8, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_samples"):
        outlier_statistics(_toy_spectrum(1.0, 0.1, 5), n_samples=0)
