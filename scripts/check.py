"""Snakemake adapter: validate the claims table itself, then fail (non-zero exit) when any claim
fails. A damaged or incomplete table (cut CSV, NaN, non-boolean ``passed``, missing claims) fails
too, with its own message (``onestep.verdict``)."""

import sys

from onestep.io import atomic_path
from onestep.jobs import start_job
from onestep.verdict import ClaimsTableError, expected_claims, judge, read_claims, validate_claims

log = start_job(snakemake)
try:
    claims = read_claims(snakemake.input[0])
    validate_claims(claims, expected=expected_claims(snakemake.config))
except ClaimsTableError as error:
    message = f"reproduction check FAILED: damaged or incomplete claims table: {error}"
    log.error(message)
    print(message, file=sys.__stderr__)
    sys.exit(1)
summary, failed = judge(claims)
if failed:
    message = "reproduction check FAILED: " + summary + "\n" + "\n".join(failed)
    log.error(message)
    print(message, file=sys.__stderr__)
    sys.exit(1)
log.info("reproduction check: %s", summary)
with atomic_path(snakemake.output[0]) as tmp:
    tmp.write_text(f"reproduction check: {summary}\n")
