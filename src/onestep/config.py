"""The tables of config points the DAG is built from.

:func:`simulation_points` turns the sweeps into one row per simulated model, the wildcards of the
``simulate`` rule (through :class:`snakemake.utils.Paramspace`); the ``*_rows`` functions list the
points each stage uses. Validation of the config itself: :mod:`onestep.validation`.
"""

from __future__ import annotations

import pandas as pd

__all__ = [
    "SIM_COLUMNS",
    "sim_frame",
    "spike_sweep_rows",
    "finite_size_rows",
    "shape_rows",
    "kernel_rows",
    "learning_rows",
    "learning_methods",
    "simulation_points",
]

SIM_COLUMNS = ("student", "second_layer", "d", "eta_t")


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


def learning_methods(config: dict) -> list[str]:
    """The learning methods the config fits: ``learning.methods`` in its order, without
    ``krr_beta`` when ``learning.spiked_beta`` is false (the older switch, kept so that configs
    which set it keep working). Rule params, scripts, claims and the verdict all read this list."""
    learning = config["learning"]
    return [m for m in learning["methods"] if learning["spiked_beta"] or m != "krr_beta"]


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
