"""Snakemake adapter: fail (non-zero exit) when any claim of the claims table fails."""

import sys

from onestep.io import atomic_path, read_table
from onestep.jobs import start_job

log = start_job(snakemake)
claims = read_table(snakemake.input[0])
failed = claims[~claims["passed"].astype(bool)]
summary = f"{len(claims) - len(failed)} passed, {len(failed)} failed"
if len(failed):
    lines = [f"  {r.claim} [{r.point}]: error {r.error:.4g} > tolerance {r.tolerance:.4g} "
             f"(measured {r.measured:.4g}, predicted {r.predicted:.4g}; {r.why_tolerance})"
             for r in failed.itertuples()]
    message = "reproduction check FAILED: " + summary + "\n" + "\n".join(lines)
    log.error(message)
    print(message, file=sys.__stderr__)
    sys.exit(1)
log.info("reproduction check: %s", summary)
with atomic_path(snakemake.output[0]) as tmp:
    tmp.write_text(f"reproduction check: {summary}\n")
