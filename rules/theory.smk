# Stage: theory lines for the figures on fine step-size grids, one table per stage, so that
# editing one stage's config or module reruns only its plots. Plots only read these tables.

THEORY_STAGES = {
    "spike": {
        "model": ("teacher", "psi", "tau", "center_labels"),
        "grid": {"students": config["spike"]["students"], "eta_max": max(config["spike"]["eta_t"]),
                 "points": 120},
    },
    "kernel": {
        "model": ("teacher", "psi", "tau", "center_labels"),
        "grid": {"students": config["kernels"]["students"],
                 "eta_max": max(config["kernels"]["eta_t"]), "points": 64,
                 "d": config["kernels"]["d"]},
    },
    "learning": {"model": ("teacher", "tau"), "grid": {}},
}


rule theory_curves:
    output:
        "results/tables/theory_curves_{stage}.parquet",
    params:
        code=lambda wc: script_code(f"theory_curves_{wc.stage}.py"),
        model=lambda wc: subconfig("model", *THEORY_STAGES[wc.stage]["model"]),
        grid=lambda wc: THEORY_STAGES[wc.stage]["grid"],
    log:
        "logs/theory_curves/{stage}.log",
    benchmark:
        "benchmarks/theory_curves/{stage}.tsv"
    wildcard_constraints:
        stage="|".join(THEORY_STAGES),
    threads: 1
    resources:
        mem_mb=job_mem("theory_curves"),
    conda:
        ENV
    script:
        "../scripts/theory_curves_{wildcards.stage}.py"
