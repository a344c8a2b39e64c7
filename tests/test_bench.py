"""Smoke test of the benchmark at d = 40, and the reference against the pipeline on the same data.

The reference (onestep.bench.reference) imports nothing from the pipeline: its step, features and
readout (np.linalg.inv of the p x p normal equations) are written from docs/cui2024.md.
"""

import numpy as np
import pandas as pd
import pytest

from onestep.bench import (
    compare,
    comparison_tables,
    reference_readout,
    reference_step,
    scaling,
    scaling_table,
)
from onestep.bench.__main__ import main
from onestep.curves import learning_curve
from onestep.model import closed_form_gradient


def test_reference_and_pipeline_give_the_same_rf_post_mse_on_the_same_data():
    d, p, n_max, n_test = 40, 40, 120, 60
    rng = np.random.default_rng(0)
    W1 = reference_step(d=d, p=p, n0=20, eta_tilde=1.0, rng=rng)
    X, Xt = rng.standard_normal((n_max, d)), rng.standard_normal((n_test, d))
    y, yt = np.tanh(X[:, 0]), np.tanh(Xt[:, 0])
    alphas = [0.5, 1.0, 2.0, 3.0]  # n = 20 < p (dual), 40 = p, 80 and 120 > p (primal)
    e1 = np.eye(d)[0]
    curve = learning_curve(W0=W1, W1=W1, beta=e1, h_hat=e1, c_hat=1.0, theta_hat=0.0,
                           student="tanh", teacher="tanh", tau=0.0, input_law="gaussian",
                           alphas=alphas, ridge=0.01, ridge_convention="sum", n_test=n_test,
                           rng=None, methods=["rf_post"], data=(X, y, Xt, yt))
    for alpha, got in zip(alphas, curve["test_mse"], strict=True):
        n = round(alpha * d)
        ref = reference_readout(W1, X[:n], y[:n], Xt, yt, lamb=0.01)
        # inv() of a p x p system with condition number <= ~1e4: ~1e-12 relative.
        assert got == pytest.approx(ref, rel=1e-9)


def test_reference_step_is_the_pipeline_gradient_step():
    # W1 = W0 - eta_t N grad L (onestep.model) with eta_t = eta_tilde (docs/cui2024.md section 3).
    d = p = 30
    rng = np.random.default_rng(1)
    W1 = reference_step(d=d, p=p, n0=15, eta_tilde=1.0, rng=rng)
    rng = np.random.default_rng(1)  # replay the reference's draws
    W0 = rng.standard_normal((p, d)) / np.sqrt(d)
    W0 /= np.linalg.norm(W0, axis=1, keepdims=True)
    X = rng.standard_normal((15, d))
    grad = closed_form_gradient(W0, np.ones(p) / np.sqrt(p), X, np.tanh(X[:, 0]), student="tanh")
    np.testing.assert_allclose(W1, W0 - p * grad, rtol=1e-12, atol=1e-12)


def test_benchmark_smoke_tables(tmp_path):
    timings, errors = compare(d=40, seeds=(0, 1), all_methods=False)
    assert set(timings["run"]) == {"reference", "pipeline_rf_post"}
    assert np.all(timings["wall_s"] > 0) and np.all(timings["peak_mib"] >= 0)
    times, mse = comparison_tables(timings, errors)
    assert list(times.columns) == ["run", "seeds", "wall_s_mean", "wall_s_sd", "peak_mib_mean",
                                   "peak_mib_max", "ratio_to_reference", "ratio_per_seed"]
    assert list(mse.columns) == ["alpha", "reference_mean", "reference_sd", "pipeline_mean",
                                 "pipeline_sd", "diff_in_sd", "diff_in_se"]
    assert len(mse) == 7 and np.all(np.isfinite(mse[["reference_mean", "pipeline_mean"]]))
    rows = scaling((30, 40))
    table = scaling_table(rows)
    assert list(table["stage"]) == ["simulate", "estimate_spike", "kernel_gram", "learning_curve"]
    assert list(table.columns[:3]) == ["stage", "d_values", "time_exponent"]
    # The command line, every method, one seed.
    main(["--out", str(tmp_path), "--d", "40", "--seeds", "1", "--skip", "scaling"])
    written = pd.read_csv(tmp_path / "compare_times.csv")
    assert list(written.columns) == list(times.columns)
    assert set(written["run"]) == {"reference", "pipeline_rf_post", "simulate", "estimate_spike",
                                   "learning_all"}
    assert (tmp_path / "compare_mse.md").read_text().startswith("## rf_post test MSE")


def test_scaling_exponents_of_power_laws():
    # wall ~ d^1 up to d = 400, then ~ d^3: the fit over all d lies between, the top pair is 3.
    d = np.array([100, 200, 400, 800])
    wall = np.where(d <= 400, d / 100.0, 4.0 * (d / 400.0) ** 3)
    rows = pd.DataFrame({"stage": "s", "d": d, "wall_s": wall, "peak_mib": d ** 2.0}).iloc[::-1]
    table = scaling_table(rows)
    assert table["time_exponent_top"].iloc[0] == pytest.approx(3.0, rel=1e-12)
    assert 1.0 < table["time_exponent"].iloc[0] < 3.0
    assert table["memory_exponent"].iloc[0] == pytest.approx(2.0, rel=1e-12)
    assert table["wall_s_at_max_d"].iloc[0] == pytest.approx(32.0)
