# Replication of "How does feature learning reshape the function space?" (arXiv:2605.17718).
# Stages: simulate -> theory / estimate_spike -> kernels -> learning curves -> claims (README.md).
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: f"{workflow.basedir}/config.yaml"


validate(config, "schemas/config.schema.yaml")


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/spike.smk"
include: "rules/kernels.smk"
include: "rules/learning.smk"
include: "rules/check.smk"


rule all:
    input:
        SPIKE_FIGURES,
        KERNEL_FIGURES,
        LEARNING_FIGURES,
        "results/manifest.json",
    default_target: True
