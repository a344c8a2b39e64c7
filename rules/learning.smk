# Stage: learning curves on fresh data (issue 4). Alpha is not a wildcard: one job per network
# draws, for each seed in turn, a nested design and reuses one Gram matrix for every alpha.


rule learning_curve:
    input:
        sims=[f"results/sim/{POINT}/seed~{seed}.npz" for seed in SEEDS],
        spikes=[f"results/spike/{POINT}/seed~{seed}.parquet" for seed in SEEDS],
    output:
        curves=[f"results/learning/{POINT}/seed~{seed}.parquet" for seed in SEEDS],
    params:
        code=script_code("learning_curve.py"),
        model=model_params,
        seeds=SEEDS,
        learning={
            **subconfig("learning", "alpha", "ridge", "ridge_convention", "n_test"),
            "methods": learning_methods(config),
        },
    log:
        f"logs/learning_curve/{POINT}.log",
    benchmark:
        f"benchmarks/learning_curve/{POINT}.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("learning_curve"),
    conda:
        ENV
    script:
        "../scripts/learning_curve.py"


rule network_theory:
    input:
        sims=[f"results/sim/{POINT}/seed~{seed}.npz" for seed in SEEDS],
    output:
        curves=[f"results/network_theory/{POINT}/seed~{seed}.parquet" for seed in SEEDS],
    params:
        code=script_code("network_theory.py"),
        model=model_params,
        learning=subconfig("learning", "alpha", "ridge", "ridge_convention"),
        methods=[m for m in learning_methods(config) if m in ("rf_post", "rf_init")],
    log:
        f"logs/network_theory/{POINT}.log",
    benchmark:
        f"benchmarks/network_theory/{POINT}.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("network_theory"),
    conda:
        ENV
    script:
        "../scripts/network_theory.py"


rule aggregate_network_theory:
    input:
        point_paths("results/network_theory/{point}/seed~{seed}.parquet", learning_rows(config), SEEDS),
    output:
        "results/tables/network_theory.parquet",
    params:
        code=script_code("aggregate_rows.py"),
    log:
        "logs/aggregate_network_theory.log",
    benchmark:
        "benchmarks/aggregate_network_theory.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("aggregate_network_theory"),
    conda:
        ENV
    script:
        "../scripts/aggregate_rows.py"


rule aggregate_learning:
    input:
        point_paths("results/learning/{point}/seed~{seed}.parquet", learning_rows(config), SEEDS),
    output:
        "results/tables/learning_curves.parquet",
    params:
        code=script_code("aggregate_rows.py"),
    log:
        "logs/aggregate_learning.log",
    benchmark:
        "benchmarks/aggregate_learning.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("aggregate_learning"),
    conda:
        ENV
    script:
        "../scripts/aggregate_rows.py"


rule learning_theory:
    input:
        theory=f"results/theory/{POINT}.json",
    output:
        f"results/learning_theory/{POINT}.parquet",
    params:
        code=script_code("learning_theory.py"),
        model=model_params,
        learning=subconfig("learning", "alpha", "ridge", "ridge_convention", "theory_grid"),
        quadrature=config["kernels"]["quadrature"],
        methods=[m for m in learning_methods(config) if m.startswith("krr_") or m == "linear"],
    log:
        f"logs/learning_theory/{POINT}.log",
    benchmark:
        f"benchmarks/learning_theory/{POINT}.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("learning_theory"),
    conda:
        ENV
    script:
        "../scripts/learning_theory.py"


rule aggregate_learning_theory:
    input:
        point_paths("results/learning_theory/{point}.parquet", learning_rows(config)),
    output:
        "results/tables/learning_theory.parquet",
    params:
        code=script_code("aggregate_rows.py"),
    log:
        "logs/aggregate_learning_theory.log",
    benchmark:
        "benchmarks/aggregate_learning_theory.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("aggregate_learning_theory"),
    conda:
        ENV
    script:
        "../scripts/aggregate_rows.py"


rule plot_learning_curves:
    input:
        simulation="results/tables/learning_curves.parquet",
        theory="results/tables/learning_theory.parquet",
        curves="results/tables/theory_curves_learning.parquet",
        network="results/tables/network_theory.parquet",
    output:
        report(
            "figures/learning_curves.png",
            caption="../report/learning_curves.rst",
            category="3. Learning curves",
        ),
    params:
        code=script_code("plot_learning_curves.py"),
    log:
        "logs/plot/learning_curves.log",
    benchmark:
        "benchmarks/plot/learning_curves.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("plot_learning_curves"),
    conda:
        ENV
    script:
        "../scripts/plot_learning_curves.py"
