"""Side-by-side runs of the reference and the pipeline, and the scaling of the pipeline's stages.

Every stage is timed by wall clock (``time.perf_counter``) and its peak memory is the peak of
``tracemalloc`` (NumPy's buffers are traced; Torch's tensors in ``simulate_point`` are not) above
the memory held when the stage starts, in MiB. The process's ``ru_maxrss`` is recorded too.
"""

from __future__ import annotations

import gc
import os
import resource
import time
import tracemalloc

import numpy as np
import pandas as pd

from ..curves import learning_curve
from ..kernels.gram import gaussian_kernel_gram
from ..linalg import blas_thread_count
from ..model import sample_inputs, simulate_point
from ..spike import estimate_spike
from ..streams import rng_for
from .reference import reference_protocol

__all__ = ["PROTOCOL", "measure", "compare", "scaling", "thread_info"]

# docs/cui2024.md section 2 (their Simulations.ipynb); n_test is per-d below (5000 at d = 2000).
PROTOCOL = dict(alpha0=0.5, eta_tilde=1.0, lamb=0.01, alphas=tuple(np.linspace(0.2, 3.0, 7)))


def thread_info(*, gemm_size: int = 1500) -> dict:
    """BLAS threads in use, the environment variables that set them, and the machine's speed now
    (GFlop/s of one ``gemm_size``-cube matrix product: a yardstick for the wall times)."""
    env = {k: os.environ.get(k, "") for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    A = np.random.default_rng(0).standard_normal((gemm_size, gemm_size))
    t0 = time.perf_counter()
    A @ A.T.copy()
    gflops = 2 * gemm_size**3 / (time.perf_counter() - t0) / 1e9
    return {"blas_threads": blas_thread_count(), **env, "cpus": len(os.sched_getaffinity(0)),
            "gemm_gflops": round(gflops, 1)}


def measure(fn, *args, **kwargs):
    """``(result, wall seconds, tracemalloc peak MiB above the start)``; starts tracemalloc."""
    if not tracemalloc.is_tracing():
        tracemalloc.start()
    gc.collect()
    tracemalloc.reset_peak()
    start = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    wall = time.perf_counter() - t0
    peak = (tracemalloc.get_traced_memory()[1] - start) / 2**20
    return result, wall, peak


def _simulate(d: int, seed: int, p: int):
    return simulate_point(d=d, phi=p / d, psi=PROTOCOL["alpha0"], eta_t=PROTOCOL["eta_tilde"],
                          student="tanh", teacher="tanh", tau=0.0, second_layer="constant",
                          weight_init="sphere", input_law="gaussian", center_labels=False,
                          seed=seed)


def _curve(sim, spike, *, d: int, seed: int, n_test: int, methods):
    c_hat, theta_hat = (spike["c_hat"], spike["theta_hat"]) if spike else (1.0, 0.0)
    return learning_curve(W0=sim["W0"], W1=sim["W1"], beta=sim["beta"], h_hat=sim["h_hat"],
                          c_hat=c_hat, theta_hat=theta_hat, student="tanh", teacher="tanh",
                          tau=0.0, input_law="gaussian", alphas=list(PROTOCOL["alphas"]),
                          ridge=PROTOCOL["lamb"], ridge_convention="sum", n_test=n_test,
                          rng=rng_for(seed, "learning"), spiked_beta=False, methods=methods)


def compare(*, d: int = 2000, seeds=(0, 1, 2), n_test: int | None = None, all_methods=True):
    """Reference vs pipeline at ``d = p``, side by side, seed by seed.

    Returns
    -------
    timings : DataFrame (run, seed, wall_s, peak_mib)
        runs: ``reference`` (step + 7 readouts), ``pipeline_rf_post`` (simulate_point +
        learning_curve(methods=['rf_post'])), and with ``all_methods`` ``simulate``,
        ``estimate_spike``, ``learning_all`` (the learning job, every method).
    errors : DataFrame (alpha, seed, source, test_mse) for the rf_post curves of both.
    """
    n_test = int(2.5 * d) if n_test is None else n_test
    timings, errors = [], []
    for seed in seeds:
        ref, wall, peak = measure(reference_protocol, d=d, p=d, n_test=n_test, seed=seed,
                                  alpha0=PROTOCOL["alpha0"], eta_tilde=PROTOCOL["eta_tilde"],
                                  lamb=PROTOCOL["lamb"], alphas=PROTOCOL["alphas"])
        timings.append({"run": "reference", "seed": seed, "wall_s": wall, "peak_mib": peak})
        errors += [{"alpha": a, "seed": seed, "source": "reference", "test_mse": e}
                   for a, e in zip(PROTOCOL["alphas"], ref, strict=True)]

        def pipeline(seed=seed):
            return _curve(_simulate(d, seed, d), None, d=d, seed=seed, n_test=n_test,
                          methods=["rf_post"])

        curve, wall, peak = measure(pipeline)
        timings.append({"run": "pipeline_rf_post", "seed": seed, "wall_s": wall,
                        "peak_mib": peak})
        errors += [{"alpha": r.alpha, "seed": seed, "source": "pipeline", "test_mse": r.test_mse}
                   for r in curve.itertuples()]
        if all_methods:
            sim, wall, peak = measure(_simulate, d, seed, d)
            timings.append({"run": "simulate", "seed": seed, "wall_s": wall, "peak_mib": peak})
            spike, wall, peak = measure(estimate_spike, sim["W1"], sim["h_hat"], beta=sim["beta"])
            timings.append({"run": "estimate_spike", "seed": seed, "wall_s": wall,
                            "peak_mib": peak})
            _, wall, peak = measure(_curve, sim, spike, d=d, seed=seed, n_test=n_test,
                                    methods=None)
            timings.append({"run": "learning_all", "seed": seed, "wall_s": wall,
                            "peak_mib": peak})
    return pd.DataFrame(timings), pd.DataFrame(errors)


def scaling(dims=(250, 500, 1000, 2000, 4000), *, seed: int = 0) -> pd.DataFrame:
    """Wall time and peak memory of each stage against d (N = d, n and n_test proportional).

    Stages: ``simulate`` (n0 = d/2), ``estimate_spike``, ``kernel_gram`` (tanh k1 Gram of d
    points), ``learning_curve`` (every method, n up to 3d, 2.5d test points).
    """
    rows = []
    for d in dims:
        sim, wall, peak = measure(_simulate, d, seed, d)
        rows.append({"stage": "simulate", "d": d, "wall_s": wall, "peak_mib": peak})
        spike, wall, peak = measure(estimate_spike, sim["W1"], sim["h_hat"], beta=sim["beta"])
        rows.append({"stage": "estimate_spike", "d": d, "wall_s": wall, "peak_mib": peak})
        X = sample_inputs(d, d, law="gaussian", rng=np.random.default_rng(seed))
        _, wall, peak = measure(gaussian_kernel_gram, X, activation="tanh", c=spike["c_hat"],
                                theta=max(spike["theta_hat"], 0.0), direction=sim["h_hat"])
        rows.append({"stage": "kernel_gram", "d": d, "wall_s": wall, "peak_mib": peak})
        _, wall, peak = measure(_curve, sim, spike, d=d, seed=seed, n_test=int(2.5 * d),
                                methods=None)
        rows.append({"stage": "learning_curve", "d": d, "wall_s": wall, "peak_mib": peak})
        del sim, X
    table = pd.DataFrame(rows)
    table["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return table
