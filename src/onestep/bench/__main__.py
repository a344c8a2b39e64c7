"""``python -m onestep.bench [--out DIR] [--quick] [--d D] [--seeds S] [--skip ...]``.

Writes into DIR (default ``benchmarks/bench``): ``compare_times.{csv,md}``,
``compare_mse.{csv,md}``, ``compare_raw.csv``, ``scaling.{csv,md}``, ``scaling_raw.csv`` and
``scaling.png``. ``--quick`` stops the scaling at d = 2000.
"""

from __future__ import annotations

import argparse
import platform
from pathlib import Path

from .runs import compare, scaling, thread_info
from .tables import comparison_tables, scaling_table, write_table

MEMORY_NOTE = ("Peak memory: tracemalloc peak above the stage's starting memory (NumPy buffers; "
               "Torch tensors of the step are not traced), MiB.")


def _figure(rows, table, path) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    from ..plotting import save_figure, set_style

    set_style()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    slopes = table.set_index("stage")
    for stage, g in rows.sort_values("d").groupby("stage", sort=False):
        t, m = slopes.loc[stage, "time_exponent_top"], slopes.loc[stage, "memory_exponent"]
        axes[0].loglog(g["d"], g["wall_s"], "o-", label=f"{stage} (top slope {t:.2f})")
        axes[1].loglog(g["d"], g["peak_mib"], "o-", label=f"{stage} (slope {m:.2f})")
    dims = sorted(rows["d"].unique())
    for ax in axes:
        ax.set_xticks(dims, [str(d) for d in dims])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("d (N = d; n, n_test proportional to d)")
        ax.legend(fontsize="small")
    axes[0].set_ylabel("wall time (s)")
    axes[1].set_ylabel("peak traced memory (MiB)")
    top = rows.groupby("stage")["wall_s"].max().idxmax()
    save_figure(fig, path, caption=f"Cost of each pipeline stage against d (tanh, Cui protocol, "
                f"one seed). The slowest, {top}, grows as "
                f"d^{slopes.loc[top, 'time_exponent_top']:.1f} between the two largest d; the "
                "memory of simulate excludes Torch tensors. Exponents in scaling.md.")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m onestep.bench", description=__doc__)
    parser.add_argument("--out", default="benchmarks/bench", help="output folder")
    parser.add_argument("--quick", action="store_true", help="scaling up to d = 2000 only")
    parser.add_argument("--d", type=int, default=2000, help="d = p of the comparison")
    parser.add_argument("--seeds", type=int, default=3, help="seeds of the comparison")
    parser.add_argument("--skip", choices=("compare", "scaling"), action="append", default=[])
    args = parser.parse_args(argv)
    out = Path(args.out)
    threads = thread_info()
    notes = (f"{MEMORY_NOTE} Threads: {threads}; {platform.processor() or platform.machine()}. "
             "Wall times on a shared machine are noisy: read the ratios (same process, side by "
             "side, seed by seed).")
    print(f"threads: {threads}", flush=True)
    if "compare" not in args.skip:
        timings, errors = compare(d=args.d, seeds=tuple(range(args.seeds)))
        out.mkdir(parents=True, exist_ok=True)
        timings.merge(errors.groupby("seed", as_index=False)["test_mse"].count(), on="seed") \
            .rename(columns={"test_mse": "n_alphas"}).to_csv(out / "compare_raw.csv", index=False)
        errors.to_csv(out / "compare_mse_raw.csv", index=False)
        times, mse = comparison_tables(timings, errors)
        write_table(times, out / "compare_times", notes=notes,
                    title=f"Reference vs pipeline, d = p = {args.d}, {args.seeds} seeds")
        write_table(mse, out / "compare_mse", notes="ddof = 1 over seeds; diff_in_sd = "
                    "(pipeline - reference) / max(sd).", title="rf_post test MSE per alpha")
        print(times.to_string(), "\n", mse.to_string(), flush=True)
    if "scaling" not in args.skip:
        dims = (250, 500, 1000, 2000) if args.quick else (250, 500, 1000, 2000, 4000)
        rows = scaling(dims)
        out.mkdir(parents=True, exist_ok=True)
        rows.to_csv(out / "scaling_raw.csv", index=False)
        table = scaling_table(rows)
        write_table(table, out / "scaling", notes=notes,
                    title="Stages against d: fitted log-log exponents")
        _figure(rows, table, out / "scaling.png")
        print(rows.to_string(), "\n", table.to_string(), flush=True)


if __name__ == "__main__":
    main()
