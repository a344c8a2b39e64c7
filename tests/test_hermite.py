"""Hermite coefficients: quadrature against closed forms and Monte Carlo."""

import math

import numpy as np
import pytest

from onestep.activations import get_activation, hermite_e
from onestep.hermite import (
    derivative_moments,
    gaussian_expectation,
    hermite_coefficients,
    second_moment,
)

SQRT_2PI = math.sqrt(2 * math.pi)


def test_relu_closed_forms():
    relu = get_activation("relu")
    mu = hermite_coefficients(relu, 4)
    # mu0 = E[relu] = 1/sqrt(2 pi), mu1 = 1/2, mu2 = 1/sqrt(2 pi), mu3 = 0, mu4 = -1/sqrt(2 pi)
    np.testing.assert_allclose(mu, [1 / SQRT_2PI, 0.5, 1 / SQRT_2PI, 0.0, -1 / SQRT_2PI],
                               atol=1e-12)
    mean, var = derivative_moments(relu)
    assert mean == pytest.approx(0.5, abs=1e-12) and var == pytest.approx(0.25, abs=1e-12)
    assert second_moment(relu) == pytest.approx(0.5, abs=1e-12)


def test_relu_scaled_coefficients_are_homogeneous():
    relu = get_activation("relu")
    scales = np.array([0.3, 1.0, 2.5])
    mu = hermite_coefficients(relu, 3, scale=scales)
    np.testing.assert_allclose(mu, scales[:, None] * hermite_coefficients(relu, 3), atol=1e-12)


def test_erf_closed_forms():
    erf = get_activation("erf")
    # E[erf'(G)] = 2/sqrt(3 pi) (= mu1 by Stein), E[erf(G)^2] = (2/pi) arcsin(2/3)
    mu = hermite_coefficients(erf, 1)
    assert mu[1] == pytest.approx(2 / math.sqrt(3 * math.pi), abs=1e-13)
    assert derivative_moments(erf)[0] == pytest.approx(mu[1], abs=1e-13)
    assert second_moment(erf) == pytest.approx(2 / math.pi * math.asin(2 / 3), abs=1e-13)


def test_tanh_against_monte_carlo():
    tanh = get_activation("tanh")
    mu = hermite_coefficients(tanh, 5)
    rng = np.random.default_rng(0)
    g = rng.standard_normal(2_000_000)
    for k in range(6):
        samples = np.tanh(g) * hermite_e(k, g)
        stderr = samples.std() / math.sqrt(g.size)
        # 5 standard errors: fails with probability ~1e-6 per coefficient
        assert abs(samples.mean() - mu[k]) < 5 * stderr, k
    assert abs(mu[0]) < 1e-15 and abs(mu[2]) < 1e-15  # odd function


def test_gauss_hermite_and_split_rules_agree_on_smooth_functions():
    def f(z):
        return np.tanh(z) ** 2 * np.cos(z)

    # tanh has poles at +-i pi/2, so Gauss-Hermite needs ~200 nodes for 1e-12
    hermite = gaussian_expectation(f, n_nodes=200)
    split = gaussian_expectation(f, kinks=(0.0,), n_nodes=120)
    assert hermite == pytest.approx(split, abs=1e-12)


def test_stein_identity_mu1_equals_mean_slope():
    for name in ("tanh", "erf", "relu", "he3", "hermite(0.1,0.5,0.3)"):
        act = get_activation(name)
        assert hermite_coefficients(act, 1)[1] == pytest.approx(derivative_moments(act)[0],
                                                                abs=1e-12)


def test_hermite_sum_is_orthonormal():
    act = get_activation("hermite(0.2,0.5,-0.3,0.4)")
    mu = hermite_coefficients(act, 5)
    normalised = mu / np.sqrt([math.factorial(k) for k in range(6)])
    np.testing.assert_allclose(normalised, [0.2, 0.5, -0.3, 0.4, 0.0, 0.0], atol=1e-12)
    assert second_moment(act) == pytest.approx(0.04 + 0.25 + 0.09 + 0.16, abs=1e-12)


@pytest.mark.parametrize("name", ["softplus", "hermite()", "hermite(0,0)", 3])
def test_unknown_activation_names_key(name):
    with pytest.raises(ValueError, match="model.teacher"):
        get_activation(name, key="model.teacher")


def test_nonpositive_scale_rejected():
    with pytest.raises(ValueError, match="scale"):
        hermite_coefficients(get_activation("tanh"), 2, scale=0.0)


def test_scaled_coefficients_of_a_steep_activation():
    # E[erf(s G) G] = 2 s / sqrt(pi (1 + 2 s^2)); Gauss-Hermite alone loses digits at large s
    erf = get_activation("erf")
    scales = np.array([0.5, 1.0, 5.0, 10.0])
    exact = 2 * scales / np.sqrt(np.pi * (1 + 2 * scales**2))
    np.testing.assert_allclose(hermite_coefficients(erf, 1, scale=scales)[:, 1], exact, atol=1e-13)
