"""Config checks beyond the JSON schema, and the tables of config points the DAG is built from.

The JSON schema (``schemas/config.schema.yaml``) checks types and ranges; :func:`check_config`
adds what a schema cannot say (activation names parse, a sweep is not degenerate), naming the key
and the value. :func:`simulation_points` turns the sweeps into one row per simulated model, the
wildcards of the ``simulate`` rule (through :class:`snakemake.utils.Paramspace`).
"""

from __future__ import annotations

import pandas as pd

from .activations import get_activation

__all__ = [
    "SIM_COLUMNS",
    "check_config",
    "sim_frame",
    "spike_sweep_rows",
    "finite_size_rows",
    "shape_rows",
    "kernel_rows",
    "learning_rows",
    "simulation_points",
]

SIM_COLUMNS = ("student", "second_layer", "d", "eta_t")


def _require(condition: bool, key: str, value, why: str) -> None:
    if not condition:
        raise ValueError(f"config key {key}={value!r}: {why}")


def check_config(config: dict) -> None:
    """Raise ``ValueError`` naming the key and value of the first semantic problem found."""
    model = config["model"]
    get_activation(model["teacher"], key="model.teacher")
    spike = config["spike"]
    for i, name in enumerate(spike["students"]):
        get_activation(name, key=f"spike.students[{i}]")
    get_activation(spike["shape"]["student"], key="spike.shape.student")
    for stage in ("kernels", "learning"):
        for i, name in enumerate(config[stage]["students"]):
            get_activation(name, key=f"{stage}.students[{i}]")
    spectrum_step = config["kernels"]["spectrum_eta_t"]
    _require(spectrum_step in config["kernels"]["eta_t"], "kernels.spectrum_eta_t", spectrum_step,
             f"must be one of kernels.eta_t={config['kernels']['eta_t']}")
    kernel_seed = config["kernels"]["seed"]
    _require(kernel_seed in config["seeds"], "kernels.seed", kernel_seed,
             f"must be one of seeds={config['seeds']}")
    n_neurons = model["phi"] * min(spike["finite_size"]["d"])
    _require(round(n_neurons) >= 2, "model.phi", model["phi"],
             "gives fewer than 2 neurons at the smallest d")
    n_samples = model["psi"] * min(spike["finite_size"]["d"])
    _require(round(n_samples) >= 2, "model.psi", model["psi"],
             "gives fewer than 2 samples at the smallest d")


def sim_frame(rows) -> pd.DataFrame:
    """Normalise rows ``(student, second_layer, d, eta_t)`` into a typed, de-duplicated frame."""
    frame = pd.DataFrame(list(rows), columns=list(SIM_COLUMNS))
    frame = frame.astype({"student": str, "second_layer": str, "d": int, "eta_t": float})
    frame = frame.drop_duplicates().sort_values(list(SIM_COLUMNS)).reset_index(drop=True)
    return frame


def spike_sweep_rows(config: dict) -> list[tuple]:
    """Rows of the step-size sweep at ``spike.d`` for every student."""
    law, spike = config["model"]["second_layer"], config["spike"]
    return [(s, law, spike["d"], eta) for s in spike["students"] for eta in spike["eta_t"]]


def finite_size_rows(config: dict) -> list[tuple]:
    """Rows of the finite-size study (all ``spike.finite_size.d`` at one step size)."""
    law, spike = config["model"]["second_layer"], config["spike"]
    finite = spike["finite_size"]
    return [(s, law, d, finite["eta_t"]) for s in spike["students"] for d in finite["d"]]


def shape_rows(config: dict) -> list[tuple]:
    """Rows of the second-layer-law study (shape of the spike)."""
    shape = config["spike"]["shape"]
    return [(shape["student"], law, shape["d"], shape["eta_t"]) for law in shape["laws"]]


def kernel_rows(config: dict) -> list[tuple]:
    """Rows analysed by the kernel stage (the step-size sweep at ``kernels.d``)."""
    law, kernels = config["model"]["second_layer"], config["kernels"]
    return [(s, law, kernels["d"], eta) for s in kernels["students"] for eta in kernels["eta_t"]]


def learning_rows(config: dict) -> list[tuple]:
    """Rows of the learning-curve stage (a small and a large step at ``learning.d``)."""
    law, learning = config["model"]["second_layer"], config["learning"]
    return [(s, law, learning["d"], eta) for s in learning["students"]
            for eta in learning["eta_t"]]


def simulation_points(config: dict, *, extra_rows=()) -> pd.DataFrame:
    """All simulated models, one row per ``(student, second_layer, d, eta_t)``.

    Parameters
    ----------
    config : dict
        Validated config.
    extra_rows : iterable of tuple, optional
        Rows requested by later stages (kernels, learning curves).

    Returns
    -------
    pandas.DataFrame with columns :data:`SIM_COLUMNS`.
    """
    rows = spike_sweep_rows(config) + finite_size_rows(config) + shape_rows(config)
    rows += kernel_rows(config) + learning_rows(config)
    return sim_frame([*rows, *extra_rows])
