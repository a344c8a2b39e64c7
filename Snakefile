# Replication of "How does feature learning reshape the function space?" (arXiv:2605.17718).
# Stages: simulate -> theory / estimate_spike -> kernels -> learning curves -> claims (README.md).
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: f"{workflow.basedir}/config.yaml"


# Our check first (onestep.validation): one line naming the key, the value and the allowed range,
# before any DAG is built; --config strings such as 'learning={d: 100}' are typed first.
import sys  # noqa: E402

sys.path.insert(0, f"{workflow.basedir}/src")
from onestep.memory import check_memory_budget, small_rules  # noqa: E402
from onestep.validation import ConfigError, coerce_cli_values, validate_config  # noqa: E402

# Then the memory budget (onestep.memory): a config whose largest job would not fit
# memory_budget_mb stops here too, naming the key that drives that job.
try:
    validate_config(coerce_cli_values(config, workflow.config_settings.config),
                    schema_path=f"{workflow.basedir}/schemas/config.schema.yaml")
    check_memory_budget(config)
except ConfigError as error:
    sys.exit(f"ConfigError: {error}")
validate(config, "schemas/config.schema.yaml")


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/theory.smk"
include: "rules/spike.smk"
include: "rules/kernels.smk"
include: "rules/learning.smk"
include: "rules/check.smk"


# Small jobs (about a second of work after imports) run in the main Snakemake process rather than
# as cluster jobs, each of which pays two Snakemake start-ups (profiles/slurm/config.yaml).
localrules:
    theory,
    theory_curves,
    hermite_table,
    learning_theory,
    aggregate_spike,
    aggregate_kernel_spectrum,
    aggregate_kernel_gap,
    aggregate_learning,
    aggregate_learning_theory,
    aggregate_network_theory,
    kernel_eigenvalue_table,
    plot_spike_sweep,
    plot_spike_shape,
    plot_finite_size,
    plot_kernel_spectrum,
    plot_kernel_eigenvalues,
    plot_kernel_mixing,
    plot_kernel_gap,
    plot_learning_curves,
    claims,
    check,
    verify,
    manifest,


# Rules that are small at this config's sizes (onestep.memory.small_rules: largest job estimated
# at most SMALL_JOB_MB, a few seconds of work) run locally under a cluster executor too: a cluster
# job costs two Snakemake start-ups (~7 s). Larger sizes send them to the cluster.
SMALL = small_rules(config)
if "estimate_spike" in SMALL:

    localrules:
        estimate_spike,


if "kernel_gap" in SMALL:

    localrules:
        kernel_gap,


if "network_theory" in SMALL:

    localrules:
        network_theory,


if "learning_curve" in SMALL:

    localrules:
        learning_curve,


rule all:
    input:
        SPIKE_FIGURES,
        KERNEL_FIGURES,
        LEARNING_FIGURES,
        "results/manifest.json",
    default_target: True


onstart:
    # After a crash (README "After a crash"): delete the .part temporaries that killed jobs left
    # (onestep.io.atomic_path). Snakemake runs this only for a real run with jobs to do, while it
    # holds its lock; only temporaries of files under that lock go, so a live write of another run
    # is never touched (and nothing goes under --nolock).
    if workflow.execution_settings.lock:
        from onestep.integrity import remove_stale_parts

        _locked = {str(f) for f in workflow.persistence.all_inputfiles()}
        _locked |= {str(f) for f in workflow.persistence.all_outputfiles()}
        for _part in remove_stale_parts(".", locked=_locked):
            print(f"removed stale temporary file {_part}", file=sys.stderr)
