# Stage: the reproduction check (issue 5): claims table, verdict, manifest of final outputs;
# `verify` (issue 9): integrity of the results tree after a crash.
from onestep.integrity import run_options  # noqa: E402


rule claims:
    input:
        sweep="results/tables/spike_sweep.parquet",
        shape="results/tables/spike_shape.parquet",
        finite="results/tables/spike_finite_size.parquet",
        curves="results/tables/learning_curves.parquet",
        curve_theory="results/tables/learning_theory.parquet",
        network_theory="results/tables/network_theory.parquet",
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
        code=script_code("claims.py"),
        claim_eta_t=config["spike"]["finite_size"]["eta_t"],
        spectrum_eta_t=config["kernels"]["spectrum_eta_t"],
        n_test=config["learning"]["n_test"],
    log:
        "logs/claims.log",
    benchmark:
        "benchmarks/claims.tsv"
    threads: 1
    resources:
        mem_mb=job_mem("claims"),
    conda:
        ENV
    script:
        "../scripts/claims.py"


rule check:
    input:
        "results/tables/claims.csv",
    output:
        "results/check.txt",
    params:
        code=script_code("check.py"),
    log:
        "logs/check.log",
    threads: 1
    resources:
        mem_mb=job_mem("check"),
    conda:
        ENV
    script:
        "../scripts/check.py"


rule manifest:
    input:
        FINAL_OUTPUTS + KERNEL_FIGURES,
    output:
        "results/manifest.json",
    params:
        code=script_code("manifest.py"),
    log:
        "logs/manifest.log",
    threads: 1
    resources:
        mem_mb=job_mem("manifest"),
    conda:
        ENV
    script:
        "../scripts/manifest.py"


rule verify:
    # Integrity after a crash (README "After a crash"); not part of `all`. No input and no
    # declared output, so it runs every time it is asked for and never triggers a build: checks
    # every file of results/manifest.json (SHA-256, size) and that every intermediate opens
    # (onestep.integrity); writes results/verify.txt on success, else fails naming the damaged or
    # missing files and the command that rebuilds them and their dependants.
    params:
        code=script_code("verify.py"),
        options=run_options(
            base=workflow.basedir,
            workdir=Path.cwd(),
            snakefile=workflow.main_snakefile,
            configfiles=workflow.config_settings.configfiles,
            overrides=workflow.config_settings.config,
        ),
    log:
        "logs/verify.log",
    threads: 1
    resources:
        mem_mb=job_mem("verify"),
    conda:
        ENV
    script:
        "../scripts/verify.py"
