# Stage: the induced kernel (issue 3). Spectra of k1 (theory and estimated Sigma), of the RF kernel
# of W1 and of k0 at every kernel point; RF-kernel gap against N' and d; sector quadrature checked
# against Gram spectra at a small d. Every job draws fresh inputs from its own stream of
# kernels.seed (onestep.kernel_analysis / onestep.kernel_studies), so reruns are bitwise equal.

KERNEL_SEED = config["kernels"]["seed"]
KERNEL_STUDENTS = config["kernels"]["students"]
KERNEL_SPECTRUM_ROWS = [
    row for row in kernel_rows(config) if row[3] == config["kernels"]["spectrum_eta_t"]
]
KERNEL_FIGURES = [
    "figures/kernel_spectrum.png",
    "figures/kernel_eigenvalues.png",
    "figures/kernel_mixing.png",
    "figures/kernel_gap.png",
    "results/tables/eigenvalues.csv",
    *expand("results/tables/sector_validation_{student}.csv", student=KERNEL_STUDENTS),
]


rule kernel_spectrum:
    input:
        sim=f"results/sim/{POINT}/seed~{KERNEL_SEED}.npz",
        spike=f"results/spike/{POINT}/seed~{KERNEL_SEED}.parquet",
        theory=f"results/theory/{POINT}.json",
    output:
        table=f"results/kernels/{POINT}.parquet",
        spectra=f"results/kernels/{POINT}.npz",
    params:
        code=script_code("kernel_spectrum.py"),
        model=model_params,
        kernels=subconfig("kernels", "seed", "n_samples", "n_eigs", "quadrature"),
    log:
        f"logs/kernel_spectrum/{POINT}.log",
    benchmark:
        f"benchmarks/kernel_spectrum/{POINT}.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("kernel_spectrum"),
    conda:
        ENV
    script:
        "../scripts/kernel_spectrum.py"


rule kernel_gap:
    input:
        sim=f"results/sim/{POINT}/seed~{KERNEL_SEED}.npz",
        spike=f"results/spike/{POINT}/seed~{KERNEL_SEED}.parquet",
        theory=f"results/theory/{POINT}.json",
    output:
        f"results/kernels/gap/{POINT}.parquet",
    params:
        code=script_code("kernel_gap.py"),
        model=model_params,
        kernels=subconfig("kernels", "seed", "gap"),
    log:
        f"logs/kernel_gap/{POINT}.log",
    benchmark:
        f"benchmarks/kernel_gap/{POINT}.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("kernel_gap"),
    conda:
        ENV
    script:
        "../scripts/kernel_gap.py"


rule sector_validation:
    output:
        report(
            "results/tables/sector_validation_{student}.csv",
            caption="../report/kernel_sector_validation.rst",
            category="2. Induced kernel",
            subcategory="Tables",
        ),
    params:
        code=script_code("kernel_validation.py"),
        model=subconfig("model", "teacher", "psi", "tau", "center_labels"),
        kernels=subconfig("kernels", "seed", "spectrum_eta_t", "small_d", "n_eigs", "quadrature"),
    log:
        "logs/sector_validation/{student}.log",
    benchmark:
        "benchmarks/sector_validation/{student}.tsv"
    wildcard_constraints:
        student="|".join(KERNEL_STUDENTS),
    threads: 1
    resources:
        mem_mb=job_mem("sector_validation"),
    conda:
        ENV
    script:
        "../scripts/kernel_validation.py"


rule aggregate_kernel_spectrum:
    input:
        point_paths("results/kernels/{point}.parquet", kernel_rows(config)),
    output:
        "results/tables/kernel_spectrum.parquet",
    params:
        code=script_code("aggregate_rows.py"),
    log:
        "logs/aggregate_kernel_spectrum.log",
    benchmark:
        "benchmarks/aggregate_kernel_spectrum.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("aggregate_kernel_spectrum"),
    conda:
        ENV
    script:
        "../scripts/aggregate_rows.py"


rule aggregate_kernel_gap:
    input:
        point_paths("results/kernels/gap/{point}.parquet", finite_size_rows(config)),
    output:
        "results/tables/kernel_gap.parquet",
    params:
        code=script_code("aggregate_rows.py"),
    log:
        "logs/aggregate_kernel_gap.log",
    benchmark:
        "benchmarks/aggregate_kernel_gap.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("aggregate_kernel_gap"),
    conda:
        ENV
    script:
        "../scripts/aggregate_rows.py"


rule kernel_eigenvalue_table:
    input:
        "results/tables/kernel_spectrum.parquet",
    output:
        report(
            "results/tables/eigenvalues.csv",
            caption="../report/kernel_eigenvalues_table.rst",
            category="2. Induced kernel",
            subcategory="Tables",
        ),
    params:
        code=script_code("kernel_eigenvalue_table.py"),
    log:
        "logs/kernel_eigenvalue_table.log",
    benchmark:
        "benchmarks/kernel_eigenvalue_table.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("kernel_eigenvalue_table"),
    conda:
        ENV
    script:
        "../scripts/kernel_eigenvalue_table.py"


rule plot_kernel_spectrum:
    input:
        point_paths("results/kernels/{point}.npz", KERNEL_SPECTRUM_ROWS),
    output:
        report(
            "figures/kernel_spectrum.png",
            caption="../report/kernel_spectrum.rst",
            category="2. Induced kernel",
        ),
    params:
        code=script_code("plot_kernel_spectrum.py"),
    log:
        "logs/plot/kernel_spectrum.log",
    benchmark:
        "benchmarks/plot/kernel_spectrum.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("plot_kernel_spectrum"),
    conda:
        ENV
    script:
        "../scripts/plot_kernel_spectrum.py"


rule plot_kernel_eigenvalues:
    input:
        table="results/tables/kernel_spectrum.parquet",
        theory="results/tables/theory_curves_kernel.parquet",
    output:
        report(
            "figures/kernel_eigenvalues.png",
            caption="../report/kernel_eigenvalues.rst",
            category="2. Induced kernel",
        ),
    params:
        code=script_code("plot_kernel_eigenvalues.py"),
    log:
        "logs/plot/kernel_eigenvalues.log",
    benchmark:
        "benchmarks/plot/kernel_eigenvalues.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("plot_kernel_eigenvalues"),
    conda:
        ENV
    script:
        "../scripts/plot_kernel_eigenvalues.py"


rule plot_kernel_mixing:
    input:
        table="results/tables/kernel_spectrum.parquet",
        theory="results/tables/theory_curves_kernel.parquet",
    output:
        report(
            "figures/kernel_mixing.png",
            caption="../report/kernel_mixing.rst",
            category="2. Induced kernel",
        ),
    params:
        code=script_code("plot_kernel_mixing.py"),
    log:
        "logs/plot/kernel_mixing.log",
    benchmark:
        "benchmarks/plot/kernel_mixing.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("plot_kernel_mixing"),
    conda:
        ENV
    script:
        "../scripts/plot_kernel_mixing.py"


rule plot_kernel_gap:
    input:
        "results/tables/kernel_gap.parquet",
    output:
        report(
            "figures/kernel_gap.png",
            caption="../report/kernel_gap.rst",
            category="2. Induced kernel",
        ),
    params:
        code=script_code("plot_kernel_gap.py"),
    log:
        "logs/plot/kernel_gap.log",
    benchmark:
        "benchmarks/plot/kernel_gap.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("plot_kernel_gap"),
    conda:
        ENV
    script:
        "../scripts/plot_kernel_gap.py"
