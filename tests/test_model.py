"""Tests for onestep.model: gradient (autograd vs closed form vs finite differences), samplers,
determinism of the seeded streams, devices and input validation."""

import math

import numpy as np
import pytest
import torch

from onestep import model
from onestep.activations import get_activation
from onestep.model import (
    closed_form_gradient,
    init_first_layer,
    init_second_layer,
    one_step,
    resolve_device,
    sample_inputs,
    simulate_point,
    teacher_direction,
    teacher_labels,
)

BASE = dict(d=40, phi=1.5, psi=2.0, eta_t=1.0, student="relu", teacher="tanh", tau=0.1,
            second_layer="gaussian", weight_init="gaussian", input_law="gaussian",
            center_labels=True, seed=3)


def _problem(second_layer, seed=0, N=37, d=23, n=51):
    rng = np.random.default_rng(seed)
    W0 = init_first_layer(N, d, law="gaussian", rng=rng)
    a = init_second_layer(N, law=second_layer, rng=rng)
    X = sample_inputs(n, d, law="gaussian", rng=rng)
    y = teacher_labels(X, teacher_direction(d, rng=rng), teacher="relu", tau=0.3, rng=rng)
    return W0, a, X, y


def _loss(W, a, X, y, act):
    f = act.numpy(X @ W.T) @ a / math.sqrt(W.shape[0])
    return 0.5 * np.mean((f - y) ** 2)


@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("second_layer", ["gaussian", "rademacher", "constant"])
@pytest.mark.parametrize("student", ["relu", "tanh", "erf", "he2"])
def test_autograd_matches_closed_form(student, second_layer, center):
    W0, a, X, y = _problem(second_layer)
    out = one_step(W0, a, X, y, student=student, eta_t=0.7, center_labels=center)
    used = y - y.mean() if center else y
    np.testing.assert_allclose(out["labels_used"], used, rtol=0, atol=1e-15)
    ref = closed_form_gradient(W0, a, X, used, student=student)
    assert np.linalg.norm(out["grad"] - ref) <= 1e-12 * np.linalg.norm(ref)
    np.testing.assert_array_equal(out["W1"], W0 - 0.7 * W0.shape[0] * out["grad"])
    np.testing.assert_allclose(out["h"], X.T @ used / X.shape[0], rtol=1e-14)
    act = get_activation(student, key="student")
    assert out["loss0"] == pytest.approx(_loss(W0, a, X, used, act), rel=1e-13)


@pytest.mark.parametrize("student", ["tanh", "he2"])
def test_closed_form_matches_finite_differences(student):
    # Independent of both gradient codes; central differences are O(eps^2) ~ 1e-10 accurate.
    W0, a, X, y = _problem("gaussian", seed=1)
    act = get_activation(student, key="student")
    grad = closed_form_gradient(W0, a, X, y, student=student)
    eps = 1e-5
    for i, k in [(0, 0), (5, 7), (36, 22)]:
        E = np.zeros_like(W0)
        E[i, k] = eps
        fd = (_loss(W0 + E, a, X, y, act) - _loss(W0 - E, a, X, y, act)) / (2 * eps)
        assert fd == pytest.approx(grad[i, k], rel=1e-6, abs=1e-12)


def test_samplers_laws():
    rng = np.random.default_rng(0)
    X = sample_inputs(50, 30, law="sphere", rng=rng)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), math.sqrt(30), rtol=1e-14)
    W = init_first_layer(40, 30, law="sphere", rng=rng)
    np.testing.assert_allclose(np.linalg.norm(W, axis=1), 1.0, rtol=1e-14)
    # Gaussian rows N(0, I/d): mean squared norm 1, s.d. of the mean sqrt(2/(d N)) = 0.0026
    W = init_first_layer(1000, 300, law="gaussian", rng=rng)
    assert np.mean(np.sum(W**2, axis=1)) == pytest.approx(1.0, abs=4 * math.sqrt(2 / 3e5))
    N = 10_000
    a = init_second_layer(N, law="gaussian", rng=rng)
    assert N * np.mean(a**2) == pytest.approx(1.0, abs=4 * math.sqrt(2 / N))
    a = init_second_layer(N, law="rademacher", rng=rng)
    np.testing.assert_allclose(np.abs(a), 1 / math.sqrt(N), rtol=1e-15)
    assert abs(np.mean(np.sign(a))) < 4 / math.sqrt(N)
    np.testing.assert_array_equal(init_second_layer(5, law="constant", rng=rng), 1 / math.sqrt(5))
    beta = teacher_direction(30, rng=rng)
    assert np.linalg.norm(beta) == pytest.approx(1.0, rel=1e-15)


def test_teacher_labels():
    rng = np.random.default_rng(1)
    X = sample_inputs(4000, 10, law="gaussian", rng=rng)
    beta = teacher_direction(10, rng=rng)
    clean = teacher_labels(X, beta, teacher="tanh", tau=0.0, rng=np.random.default_rng(2))
    np.testing.assert_allclose(clean, np.tanh(X @ beta), rtol=1e-15)
    noisy = teacher_labels(X, beta, teacher="tanh", tau=0.5, rng=np.random.default_rng(2))
    # same noise stream: residual is exactly tau * eps; its s.d. is 0.5 +- 0.5/sqrt(2 n)
    assert np.std(noisy - clean) == pytest.approx(0.5, abs=4 * 0.5 / math.sqrt(8000))


def test_simulate_point_deterministic_and_streams_independent():
    r1 = simulate_point(**BASE, return_data=True)
    r2 = simulate_point(**BASE, return_data=True)
    for key in ("W0", "W1", "a", "beta", "h_hat", "X", "y"):
        np.testing.assert_array_equal(r1[key], r2[key])
    assert (r1["N"], r1["n"]) == (60, 80) and r1["loss0"] == r2["loss0"]
    r3 = simulate_point(**{**BASE, "eta_t": 2.5, "student": "tanh"}, return_data=True)
    for key in ("W0", "a", "beta", "X", "y", "h_hat"):
        np.testing.assert_array_equal(r1[key], r3[key])
    assert not np.allclose(r1["W1"], r3["W1"])
    r0 = simulate_point(**{**BASE, "eta_t": 0.0})
    np.testing.assert_array_equal(r0["W1"], r0["W0"])
    r4 = simulate_point(**{**BASE, "seed": 4})
    assert not np.allclose(r1["W0"], r4["W0"])
    assert np.linalg.norm(r1["h_hat"]) == pytest.approx(1.0, rel=1e-14)
    assert r1["h_norm"] > 0 and r1["W1"].dtype == np.float64


def test_resolve_device(monkeypatch):
    assert resolve_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    with pytest.raises(ValueError, match="device='cuda'"):
        resolve_device("cuda")
    with pytest.raises(ValueError, match="device='gpu'"):
        resolve_device("gpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available")
def test_cuda_matches_cpu():
    cpu = simulate_point(**BASE, device="cpu")
    gpu = simulate_point(**BASE, device="cuda")
    assert resolve_device("auto").type == "cuda"
    np.testing.assert_allclose(gpu["W1"], cpu["W1"], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "key, value",
    [("d", 1), ("d", 10.5), ("d", True), ("phi", 0.0), ("phi", -1.0), ("psi", 0),
     ("psi", float("nan")), ("eta_t", -0.1), ("tau", -1.0), ("student", "sigmoid"),
     ("teacher", "nope"), ("second_layer", "uniform"), ("weight_init", "orthogonal"),
     ("input_law", "cube"), ("center_labels", "yes"), ("seed", -1), ("seed", 1.5),
     ("device", "tpu"), ("phi", 1e-3)],
)
def test_bad_inputs_raise(key, value):
    with pytest.raises(ValueError, match=rf"^{key}="):
        simulate_point(**{**BASE, key: value})


def test_bad_inputs_lower_level():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="input_law"):
        model.sample_inputs(3, 2, law="cube", rng=rng)
    with pytest.raises(ValueError, match="weight_init"):
        model.init_first_layer(3, 2, law="x", rng=rng)
    with pytest.raises(ValueError, match="second_layer"):
        model.init_second_layer(3, law="x", rng=rng)
    W0, a, X, y = _problem("gaussian")
    with pytest.raises(ValueError, match="eta_t"):
        one_step(W0, a, X, y, student="relu", eta_t=-1.0)
    with pytest.raises(ValueError, match="student"):
        closed_form_gradient(W0, a, X, y, student="bad")
