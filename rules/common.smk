import os
import sys
from pathlib import Path

from snakemake.utils import Paramspace

# The math lives in src/onestep. Make it importable here; jobs find it through the symlink
# scripts/onestep (Snakemake puts the script folder on sys.path), installed or not.
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from onestep.codehash import code_version  # noqa: E402
from onestep.memory import estimate_mb  # noqa: E402
from onestep.config import (  # noqa: E402
    finite_size_rows,
    kernel_rows,
    learning_methods,
    learning_rows,
    shape_rows,
    sim_frame,
    simulation_points,
    spike_sweep_rows,
)

# The config was validated in the Snakefile (onestep.validation) before this file is read.

SEEDS = config["seeds"]
SIM = Paramspace(simulation_points(config), param_sep="~")
POINT = SIM.wildcard_pattern
ENV = "../envs/pipeline.yaml"
# Memory (MB) a SLURM job holds besides its script: the two Snakemake processes around it (the
# jobstep one in the batch step, the one srun starts for the rule), measured with sacct MaxRSS
# (steps minus the script's benchmark max_rss): the batch step 193-208 MB, once 384 MB (the first
# job of a fresh cluster, .ci/slurm-check.sh), the srun'ed Snakemake ~185 MB. Added to every
# submitted rule's mem_mb; sized for that worst batch step.
SNAKEMAKE_MB = 600


def job_mem(rule):
    """``resources: mem_mb`` of ``rule``: SNAKEMAKE_MB plus the estimated peak of its script for
    this config and the job's ``d`` wildcard (onestep.memory.estimate_mb)."""

    def mem_mb(wildcards):
        d = getattr(wildcards, "d", None)
        mib = estimate_mb(rule, config, d=None if d is None else int(d))
        return SNAKEMAKE_MB + -(-mib * 1048576 // 10**6)  # MiB (as max_rss) -> mem_mb (10^6 B)

    return mem_mb


def simulate_partition(wildcards):
    """SLURM partition of ``simulate`` (the SLURM profile groups simulate jobs; a group's jobs
    name the same partition): the GPU partition when the config asks for CUDA (``$SNAKEMAKE_SLURM_GPU_PARTITION``, default ``gpu``), else ``$SBATCH_PARTITION`` or
    the cluster's default (empty). Ignored by local runs."""
    if config["device"] == "cuda":
        return os.environ.get("SNAKEMAKE_SLURM_GPU_PARTITION", "gpu")
    return os.environ.get("SBATCH_PARTITION", "")


def point_paths(template, rows, seeds=None):
    """Expand ``template`` (with ``{point}`` and optionally ``{seed}``) over simulation rows."""
    space = Paramspace(sim_frame(rows), param_sep="~")
    if seeds is None:
        return expand(template, point=list(space.instance_patterns))
    return expand(template, point=list(space.instance_patterns), seed=seeds)


def script_code(script):
    """Hash of the package modules ``scripts/<script>`` imports, directly or not: a rule param,
    so editing the math reruns exactly the jobs that use it (Snakemake itself only tracks the
    script file). See onestep.codehash."""
    base = Path(workflow.basedir)
    return code_version(base / "scripts" / script, base / "src" / "onestep")


def subconfig(section, *keys):
    """Only the keys of a config section that a rule uses (so other edits do not rerun it)."""
    return {key: config[section][key] for key in keys}


def model_params(wildcards):
    """The full model of one simulation point: global model keys overridden by its wildcards."""
    point = {k: v.item() if hasattr(v, "item") else v for k, v in SIM.instance(wildcards).items()}
    return {**config["model"], **point}


SPIKE_STUDIES = {
    "sweep": spike_sweep_rows(config),
    "finite_size": finite_size_rows(config),
    "shape": shape_rows(config),
}
SPIKE_FIGURES = [
    "figures/spike_vs_step.png",
    "figures/spike_shape.png",
    "figures/spike_finite_size.png",
    "results/tables/hermite.csv",
]
LEARNING_FIGURES = ["figures/learning_curves.png"]
FINAL_TABLES = [
    "results/tables/spike_sweep.parquet",
    "results/tables/spike_finite_size.parquet",
    "results/tables/spike_shape.parquet",
    "results/tables/learning_curves.parquet",
    "results/tables/learning_theory.parquet",
    "results/tables/network_theory.parquet",
    "results/tables/kernel_spectrum.parquet",
    "results/tables/kernel_gap.parquet",
    "results/tables/eigenvalues.csv",
    "results/tables/claims.csv",
]
FINAL_OUTPUTS = SPIKE_FIGURES + LEARNING_FIGURES + FINAL_TABLES
