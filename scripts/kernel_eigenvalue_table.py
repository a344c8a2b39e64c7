"""Snakemake adapter: theory vs every estimate of the kernel eigenvalues, with relative errors."""

from onestep.io import read_table, write_table
from onestep.jobs import start_job
from onestep.kernels.studies import eigenvalue_table

log = start_job(snakemake)
table = eigenvalue_table(read_table(snakemake.input[0]))
log.info("\n%s", table[["student", "eta_t", "kernel", "mode", "reference", "rel_err_quadrature",
                        "rel_err_rayleigh", "rel_err_gram"]].to_string())
write_table(table, snakemake.output[0])
