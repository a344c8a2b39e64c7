"""Summary tables of the benchmark (pure pandas) and their files."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..io import atomic_path
from ..stats import loglog_slope

__all__ = ["comparison_tables", "scaling_table", "write_table"]


def comparison_tables(timings: pd.DataFrame, errors: pd.DataFrame):
    """``(time_table, mse_table)`` from :func:`onestep.bench.runs.compare`.

    time_table: per run, mean and sd over seeds of wall seconds and peak MiB, and the ratio of
    each run's mean time to the reference's (``pipeline_rf_post / reference`` is the target).
    mse_table: per alpha, mean and sd (ddof = 1) over seeds of the rf_post test MSE of both, and
    their difference in units of the larger sd (``diff_in_sd``, the issue's yardstick) and of its
    standard error (``diff_in_se``, Welch: ``sqrt(sd_r^2 / k_r + sd_p^2 / k_p)`` over k seeds).
    """
    g = timings.groupby("run", sort=False)
    table = pd.DataFrame({"seeds": g["seed"].count(), "wall_s_mean": g["wall_s"].mean(),
                          "wall_s_sd": g["wall_s"].std(ddof=1),
                          "peak_mib_mean": g["peak_mib"].mean(),
                          "peak_mib_max": g["peak_mib"].max()}).reset_index()
    ref = table.loc[table["run"] == "reference", "wall_s_mean"]
    table["ratio_to_reference"] = table["wall_s_mean"] / float(ref.iloc[0]) if len(ref) else np.nan
    # Per-seed ratio, as measured side by side (pipeline right after the reference, same seed).
    wide = timings.pivot(index="seed", columns="run", values="wall_s")
    if {"reference", "pipeline_rf_post"} <= set(wide.columns):
        r = wide["pipeline_rf_post"] / wide["reference"]
        table.loc[table["run"] == "pipeline_rf_post", "ratio_per_seed"] = \
            ", ".join(f"{v:.2f}" for v in r)
    m = errors.groupby(["alpha", "source"])["test_mse"].agg(["mean", "std", "count"]) \
        .unstack("source")
    mse = pd.DataFrame({"alpha": m.index,
                        "reference_mean": m[("mean", "reference")].to_numpy(),
                        "reference_sd": m[("std", "reference")].to_numpy(),
                        "pipeline_mean": m[("mean", "pipeline")].to_numpy(),
                        "pipeline_sd": m[("std", "pipeline")].to_numpy()})
    spread = np.maximum(mse["reference_sd"], mse["pipeline_sd"])
    diff = mse["pipeline_mean"] - mse["reference_mean"]
    mse["diff_in_sd"] = diff / spread
    se = np.sqrt(mse["reference_sd"] ** 2 / m[("count", "reference")].to_numpy()
                 + mse["pipeline_sd"] ** 2 / m[("count", "pipeline")].to_numpy())
    mse["diff_in_se"] = diff / se
    return table, mse


def scaling_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Per stage: the fitted log-log exponents of time and peak memory against d (all d), and
    the time exponent between the two largest d (``time_exponent_top``: small d are dominated
    by fixed costs, so the top pair shows the cost the next doubling will bring)."""
    out = []
    for stage, g in rows.groupby("stage", sort=False):
        g = g.sort_values("d")
        top = g.iloc[-2:]
        out.append({"stage": stage, "d_values": ", ".join(str(d) for d in g["d"]),
                    "time_exponent": loglog_slope(g["d"], g["wall_s"])[0],
                    "time_exponent_top": loglog_slope(top["d"], top["wall_s"])[0],
                    "memory_exponent": loglog_slope(g["d"], g["peak_mib"])[0],
                    "wall_s_at_max_d": float(g["wall_s"].iloc[-1]),
                    "peak_mib_at_max_d": float(g["peak_mib"].iloc[-1])})
    return pd.DataFrame(out)


def write_table(table: pd.DataFrame, stem, *, title: str, notes: str = "") -> None:
    """``stem.csv`` and ``stem.md`` (a titled Markdown table with notes)."""
    with atomic_path(f"{stem}.csv") as tmp:
        table.to_csv(tmp, index=False)
    text = f"## {title}\n\n{table.to_markdown(index=False, floatfmt='.4g')}\n"
    if notes:
        text += f"\n{notes}\n"
    with atomic_path(f"{stem}.md") as tmp:
        tmp.write_text(text)
