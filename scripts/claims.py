"""Snakemake adapter: measure every claim on the aggregated tables (the claims table)."""

import pandas as pd

from onestep.claims import (
    COLUMNS,
    input_space_claims,
    kernel_claims,
    spike_claims,
)
from onestep.claims_learning import learning_claims, network_theory_claims
from onestep.io import read_table, write_table
from onestep.jobs import start_job

log = start_job(snakemake)
inputs = dict(snakemake.input.items())
validation = pd.concat([read_table(path) for path in inputs.pop("validation")], ignore_index=True)
tables = {name: read_table(path) for name, path in inputs.items()}
rows = spike_claims(tables["sweep"], tables["shape"], tables["finite"],
                    eta_t=snakemake.params.claim_eta_t)
rows += kernel_claims(tables["kernel_spectrum"], tables["kernel_gap"], validation,
                      eta_t=snakemake.params.spectrum_eta_t)
rows += input_space_claims(tables["kernel_gap"])
rows += learning_claims(tables["curves"], tables["curve_theory"])
rows += network_theory_claims(tables["curves"], tables["network_theory"],
                              n_test=snakemake.params.n_test)
claims = pd.DataFrame(rows, columns=COLUMNS)
log.info("\n%s", claims.drop(columns=["statement", "why_tolerance"]).to_string())
write_table(claims, snakemake.output[0])
