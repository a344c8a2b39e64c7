# Stage 1-4 (issue 2): one large gradient step, its spiked-Gaussian theory, and the estimates.


rule simulate:
    # One job per point runs every seed: the ~3 s of imports (torch) are paid once, not per seed.
    output:
        sims=[f"results/sim/{POINT}/seed~{seed}.npz" for seed in SEEDS],
    params:
        code=script_code("simulate.py"),
        model=model_params,
        seeds=SEEDS,
        device=config["device"],
    log:
        f"logs/simulate/{POINT}.log",
    benchmark:
        f"benchmarks/simulate/{POINT}.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("simulate"),
        gpu=lambda wc: int(config["device"] == "cuda"),
        slurm_partition=simulate_partition,
    conda:
        ENV
    script:
        "../scripts/simulate.py"


rule theory:
    output:
        f"results/theory/{POINT}.json",
    params:
        code=script_code("theory.py"),
        model=model_params,
    log:
        f"logs/theory/{POINT}.log",
    benchmark:
        f"benchmarks/theory/{POINT}.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("theory"),
    conda:
        ENV
    script:
        "../scripts/theory.py"


rule hermite_table:
    output:
        report(
            "results/tables/hermite.csv",
            caption="../report/hermite.rst",
            category="Tables",
        ),
    params:
        code=script_code("hermite_table.py"),
        activations=sorted(
            {config["model"]["teacher"], config["spike"]["shape"]["student"]}
            | set(config["spike"]["students"])
        ),
    log:
        "logs/hermite_table.log",
    benchmark:
        "benchmarks/hermite_table.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("hermite_table"),
    conda:
        ENV
    script:
        "../scripts/hermite_table.py"


rule estimate_spike:
    input:
        sims=[f"results/sim/{POINT}/seed~{seed}.npz" for seed in SEEDS],
    output:
        rows=[f"results/spike/{POINT}/seed~{seed}.parquet" for seed in SEEDS],
        projections=[f"results/spike/{POINT}/seed~{seed}.projection.npz" for seed in SEEDS],
    params:
        code=script_code("estimate_spike.py"),
    log:
        f"logs/estimate_spike/{POINT}.log",
    benchmark:
        f"benchmarks/estimate_spike/{POINT}.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("estimate_spike"),
    conda:
        ENV
    script:
        "../scripts/estimate_spike.py"


rule aggregate_spike:
    input:
        rows=lambda wc: point_paths(
            "results/spike/{point}/seed~{seed}.parquet", SPIKE_STUDIES[wc.study], SEEDS
        ),
        theory=lambda wc: point_paths("results/theory/{point}.json", SPIKE_STUDIES[wc.study]),
    output:
        "results/tables/spike_{study}.parquet",
    params:
        code=script_code("aggregate_spike.py"),
    log:
        "logs/aggregate_spike/{study}.log",
    benchmark:
        "benchmarks/aggregate_spike/{study}.tsv"
    wildcard_constraints:
        study="|".join(SPIKE_STUDIES),
    threads: 1
    resources:
        mem_mb=job_mem("aggregate_spike"),
    conda:
        ENV
    script:
        "../scripts/aggregate_spike.py"


rule plot_spike_sweep:
    input:
        table="results/tables/spike_sweep.parquet",
        theory="results/tables/theory_curves_spike.parquet",
    output:
        report(
            "figures/spike_vs_step.png",
            caption="../report/spike_vs_step.rst",
            category="1. Spiked weights",
        ),
    params:
        code=script_code("plot_spike_sweep.py"),
    log:
        "logs/plot/spike_vs_step.log",
    benchmark:
        "benchmarks/plot/spike_vs_step.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("plot_spike_sweep"),
    conda:
        ENV
    script:
        "../scripts/plot_spike_sweep.py"


rule plot_spike_shape:
    input:
        table="results/tables/spike_shape.parquet",
        projections=point_paths(
            "results/spike/{point}/seed~{seed}.projection.npz",
            shape_rows(config),
            SEEDS[:1],
        ),
    output:
        report(
            "figures/spike_shape.png",
            caption="../report/spike_shape.rst",
            category="1. Spiked weights",
        ),
    params:
        code=script_code("plot_spike_shape.py"),
    log:
        "logs/plot/spike_shape.log",
    benchmark:
        "benchmarks/plot/spike_shape.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("plot_spike_shape"),
    conda:
        ENV
    script:
        "../scripts/plot_spike_shape.py"


rule plot_finite_size:
    input:
        "results/tables/spike_finite_size.parquet",
    output:
        report(
            "figures/spike_finite_size.png",
            caption="../report/spike_finite_size.rst",
            category="1. Spiked weights",
        ),
    params:
        code=script_code("plot_finite_size.py"),
    log:
        "logs/plot/spike_finite_size.log",
    benchmark:
        "benchmarks/plot/spike_finite_size.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("plot_finite_size"),
    conda:
        ENV
    script:
        "../scripts/plot_finite_size.py"
