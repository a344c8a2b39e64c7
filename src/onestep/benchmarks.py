"""Summarise Snakemake ``benchmark:`` files by rule: ``python -m onestep.benchmarks [folder]``."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

__all__ = ["summarize"]


def summarize(folder="benchmarks") -> pd.DataFrame:
    """Jobs, total and max wall seconds, max resident memory (MB) per rule.

    Parameters
    ----------
    folder : path-like
        The ``benchmarks/`` folder; its first level names the rule.

    Returns
    -------
    pandas.DataFrame indexed by rule, sorted by total seconds.
    """
    rows = []
    for path in Path(folder).rglob("*.tsv"):
        rule = path.relative_to(folder).parts[0].removesuffix(".tsv")
        record = pd.read_csv(path, sep="\t").iloc[-1]
        rows.append({"rule": rule, "s": float(record["s"]), "max_rss": float(record["max_rss"])})
    if not rows:
        raise FileNotFoundError(f"no benchmark files under {str(folder)!r}")
    table = pd.DataFrame(rows).groupby("rule").agg(
        jobs=("s", "size"), total_s=("s", "sum"), max_s=("s", "max"), max_rss_mb=("max_rss", "max"))
    return table.sort_values("total_s", ascending=False)


if __name__ == "__main__":
    summary = summarize(sys.argv[1] if len(sys.argv) > 1 else "benchmarks")
    print(summary.round(1).to_string())
