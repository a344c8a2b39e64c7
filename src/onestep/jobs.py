"""Small helpers shared by the Snakemake script adapters in ``scripts/``."""

from __future__ import annotations

import logging
import sys

__all__ = ["start_job"]


def start_job(snakemake) -> logging.Logger:
    """Send warnings, tracebacks and log records of a job to its ``log:`` file.

    Returns a logger; the log file is the first ``log:`` entry of the rule.
    """
    handle = open(snakemake.log[0], "w", buffering=1)  # noqa: SIM115 - lives as long as the job
    sys.stderr = handle
    logging.basicConfig(
        stream=handle,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        force=True,
    )
    logging.captureWarnings(True)
    logger = logging.getLogger(snakemake.rule)
    logger.info("rule %s, wildcards %s, threads %s", snakemake.rule, dict(snakemake.wildcards),
                snakemake.threads)
    return logger
