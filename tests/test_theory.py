"""Spike predictions: limits and internal consistency (simulation checks are in test_spike)."""

import math

import pytest

from onestep.theory import predict_spike


def test_relu_tanh_closed_form():
    p = predict_spike(student="relu", teacher="tanh", eta_t=1.0, psi=2.0)
    # relu: mu1 = 1/2, Var s' = 1/4; tanh teacher is odd so centring changes nothing
    h2 = p.teacher_mu1**2 + p.label_second_moment / 2.0
    assert p.theta == pytest.approx(0.25 * h2, rel=1e-12)
    assert p.c == pytest.approx(1 + p.label_second_moment * 0.25 / 2.0, rel=1e-12)
    assert p.gamma == pytest.approx(p.teacher_mu1 / math.sqrt(h2), rel=1e-12)


def test_zero_step_is_isotropic():
    p = predict_spike(student="tanh", teacher="tanh", eta_t=0.0, psi=1.0)
    assert p.theta == 0.0 and p.c == 1.0


def test_gamma_tends_to_one_with_many_samples():
    gammas = [predict_spike(student="relu", teacher="tanh", eta_t=1, psi=psi).gamma
              for psi in (1, 10, 100, 1e4)]
    assert all(a < b for a, b in zip(gammas, gammas[1:], strict=False))
    assert gammas[-1] == pytest.approx(1.0, abs=1e-3)


def test_centring_removes_the_label_mean():
    centred = predict_spike(student="relu", teacher="relu", eta_t=1, psi=2, center_labels=True)
    raw = predict_spike(student="relu", teacher="relu", eta_t=1, psi=2, center_labels=False)
    assert raw.label_second_moment - centred.label_second_moment == pytest.approx(
        1 / (2 * math.pi), rel=1e-12)


def test_label_noise_adds_to_the_bulk_not_the_mean_direction():
    clean = predict_spike(student="tanh", teacher="tanh", eta_t=1, psi=2)
    noisy = predict_spike(student="tanh", teacher="tanh", eta_t=1, psi=2, tau=0.5)
    assert noisy.c > clean.c and noisy.gamma < clean.gamma


def test_bad_psi_is_named():
    with pytest.raises(ValueError, match="psi"):
        predict_spike(student="relu", teacher="tanh", eta_t=1, psi=0)
