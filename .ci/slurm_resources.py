"""Check that what each rule declares (threads, mem_mb, runtime) reached SLURM (used by
.ci/slurm-check.sh).

Inputs: RUN.log, the Snakemake log of a SLURM run, whose "Job <id> has been submitted with SLURM
jobid <J> (log: <path>)" lines name each SLURM job's log; that log (kept with
--slurm-keep-successful-logs) holds the job info the in-job Snakemake printed for every rule it
ran: rule, threads, evaluated resources. RUN.sacct: `sacct -X -P --format=JobID,...,ReqCPUS,
AllocCPUS,ReqMem,Timelimit,...` of those jobs.

Expected values: one rule -> its threads, mem_mb, runtime. A group job (several rules in one
submission; the profile makes them run one after the other) -> the largest threads and mem_mb
of its members and the sum of their runtimes (Snakemake's layered group resources).

Memory: RUN.sacct-steps (`sacct -P --format=JobID,JobName,MaxRSS,Elapsed`, all steps) gives the
peak RSS of the batch step (the jobstep Snakemake) and of the srun steps (one per rule job: its
own Snakemake and the script); batch + largest step must stay within the job's ReqMem (sampled
every second, so a very short peak can be missed).

usage: python .ci/slurm_resources.py RUN
"""

import re
import sys
from collections import defaultdict
from pathlib import Path


def job_infos(text: str) -> dict:
    """Rule jobs printed in a Snakemake log, keyed by their first output (deduplicated: the
    jobstep and the srun'ed Snakemake both print them)."""
    jobs = {}
    for block in re.split(r"\n(?=\s*\[\w{3} \w{3} +\d+ [\d:]+ \d{4}\])", text):
        rule = re.search(r"^\s*(?:local)?rule (\w+):", block, flags=re.M)
        if not rule:
            continue
        output = re.search(r"^\s*output: ([^,\n]+)", block, flags=re.M)
        res = re.search(r"^\s*resources: (.*)$", block, flags=re.M)
        resources = dict(
            kv.split("=", 1) for kv in (res.group(1).split(", ") if res else []) if "=" in kv
        )
        threads = re.search(r"^\s*threads: (\d+)", block, flags=re.M)
        key = output.group(1) if output else rule.group(1)
        jobs[key] = {
            "rule": rule.group(1),
            "threads": int(threads.group(1)) if threads else 1,
            "mem_mb": int(resources["mem_mb"]) if "mem_mb" in resources else None,
            "runtime": int(resources["runtime"]) if "runtime" in resources else None,
        }
    return jobs


def mem_mb(reqmem: str) -> int:
    number, unit = re.match(r"([\d.]+)([KMGT]?)", reqmem).groups()
    return round(float(number) * {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024**2, "": 1}[unit])


def minutes(limit: str) -> int:
    days, _, rest = limit.rpartition("-")
    h, m, s = ([0, 0, 0] + [int(p) for p in rest.split(":")])[-3:]
    return (int(days) if days else 0) * 1440 + h * 60 + m + (1 if s else 0)


def step_rss(path: Path) -> dict:
    """SLURM jobid -> peak memory (MB): MaxRSS of the batch step (the jobstep Snakemake, alive
    for the whole job) plus the largest MaxRSS of its srun steps (one per rule job, each its own
    Snakemake plus the script; a group job's steps run one after the other)."""
    batch, steps = defaultdict(float), defaultdict(float)
    if path.exists():
        for line in path.read_text().splitlines()[1:]:
            jobid, _, rss, *_ = line.split("|")
            if "." not in jobid or not rss:
                continue
            base, step = jobid.split(".", 1)
            if step == "batch":
                batch[base] = mem_mb(rss)
            elif step.isdigit():
                steps[base] = max(steps[base], mem_mb(rss))
    return {job: batch[job] + steps[job] for job in set(batch) | set(steps)}


def main(run: str) -> int:
    text = Path(run + ".log").read_text()
    rss = step_rss(Path(run + ".sacct-steps"))
    logs = dict(re.findall(r"submitted with SLURM jobid (\d+) \(log: ([^)]+)\)", text))
    lines = Path(run + ".sacct").read_text().splitlines()
    header = lines[0].split("|")
    failures, checked = [], 0
    seen = defaultdict(set)
    peak = defaultdict(float)
    for line in lines[1:]:
        row = dict(zip(header, line.split("|"), strict=False))
        path = logs.get(row["JobID"])
        found = path and Path(path).exists()
        members = list(job_infos(Path(path).read_text()).values()) if found else []
        if not members:
            failures.append(f"SLURM job {row['JobID']}: no job info (log {path})")
            continue
        want = (
            max(m["threads"] for m in members),
            max(m["mem_mb"] or 0 for m in members),
            sum(m["runtime"] or 0 for m in members),
        )
        got = (int(row["ReqCPUS"]), mem_mb(row["ReqMem"]), minutes(row["Timelimit"]))
        rules = defaultdict(int)
        for m in members:
            rules[m["rule"]] += 1
        name = "+".join(f"{r}x{n}" if n > 1 else r for r, n in sorted(rules.items()))
        seen[name].add(
            f"ReqCPUS={row['ReqCPUS']} AllocCPUS={row['AllocCPUS']} ReqMem={row['ReqMem']} "
            f"Timelimit={row['Timelimit']} (rules: threads={want[0]} mem_mb={want[1]} "
            f"runtime={want[2]}) {row['State']}"
        )
        peak[name] = max(peak[name], rss.get(row["JobID"], 0))
        if rss.get(row["JobID"], 0) > got[1]:
            failures.append(
                f"{row['JobID']} {name}: steps used {rss[row['JobID']]:.0f} MB > ReqMem {got[1]}"
            )
        checked += 1
        for what, w, g in zip(
            ("threads/ReqCPUS", "mem_mb/ReqMem", "runtime/Timelimit"), want, got, strict=True
        ):
            if w and w != g:
                failures.append(f"{row['JobID']} {name}: {what}: declared {w}, SLURM {g}")
        if int(row["AllocCPUS"]) != want[0]:
            failures.append(f"{row['JobID']} {name}: AllocCPUS {row['AllocCPUS']} != {want[0]}")
        if row["State"] != "COMPLETED":
            failures.append(f"{row['JobID']} {name}: state {row['State']}")
    print("SLURM jobs by rule (or group of rules): what sacct reports vs what the rules declare")
    for name in sorted(seen):
        for entry in sorted(seen[name]):
            print(f"  {name:40} {entry}")
        print(f"  {'':40} peak MaxRSS, batch + largest step: {peak[name]:.0f} MB")
    for failure in failures:
        print("FAIL:", failure)
    print(f"{checked} SLURM jobs checked (threads, mem_mb, runtime), {len(failures)} mismatches")
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
