# Stage: the reproduction check (issue 5): claims table, verdict, manifest of final outputs.


rule claims:
    input:
        sweep="results/tables/spike_sweep.parquet",
        shape="results/tables/spike_shape.parquet",
        finite="results/tables/spike_finite_size.parquet",
        curves="results/tables/learning_curves.parquet",
        curve_theory="results/tables/learning_theory.parquet",
        kernel_spectrum="results/tables/kernel_spectrum.parquet",
        kernel_gap="results/tables/kernel_gap.parquet",
        validation=expand(
            "results/tables/sector_validation_{student}.csv",
            student=config["kernels"]["students"],
        ),
    output:
        report(
            "results/tables/claims.csv",
            caption="../report/claims.rst",
            category="0. Claims",
        ),
    params:
        code=code_version("claims", "plotting"),
        claim_eta_t=config["spike"]["finite_size"]["eta_t"],
        spectrum_eta_t=config["kernels"]["spectrum_eta_t"],
    log:
        "logs/claims.log",
    benchmark:
        "benchmarks/claims.tsv"
    threads: 1
    resources:
        mem_mb=1000,
    conda:
        ENV
    script:
        "../scripts/claims.py"


rule check:
    input:
        "results/tables/claims.csv",
    output:
        "results/check.txt",
    log:
        "logs/check.log",
    conda:
        ENV
    script:
        "../scripts/check.py"


rule manifest:
    input:
        FINAL_OUTPUTS,
    output:
        "results/manifest.json",
    log:
        "logs/manifest.log",
    conda:
        ENV
    script:
        "../scripts/manifest.py"
