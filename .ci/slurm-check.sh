#!/usr/bin/env bash
# A real single-node SLURM cluster check of the README's cluster command.
#
# On a fresh Debian 12 machine, as root:
#   .ci/slurm-check.sh            # install, start the cluster, run the check, stop the daemons
#   .ci/slurm-check.sh install    # only the Debian packages
#   .ci/slurm-check.sh up         # configure and start the daemons (and leave them running)
#   .ci/slurm-check.sh down       # stop daemons started by `up` (by the PIDs it recorded)
#   .ci/slurm-check.sh routing    # only the account/partition/GPU routing check (after `up`)
#
# Steps of the full check:
#  1. apt-get install slurm-wlm munge slurmdbd mariadb-server. slurmdbd is needed: the Snakemake
#     SLURM executor plugin (2.8.0) polls job status with `sacct` whenever `sacct` is on PATH
#     (it always is: slurm-client ships it) and only uses `squeue` if told to AND MinJobAge is at
#     least 3x the first poll interval; it also guesses/validates accounts with sacct/sacctmgr.
#     Without an accounting database `sacct` fails and Snakemake waits forever.
#  2. minimal slurm.conf/slurmdbd.conf/gres.conf for one node; munged, mariadbd, slurmdbd,
#     slurmctld and slurmd started by hand in the foreground (`-D`) in the background; wait until
#     `sinfo` shows the node idle.
#  3. the README's cluster command (`snakemake --workflow-profile profiles/slurm`) on
#     $CHECK_CONFIG (default tests/config-tiny.yaml) in its own --directory, under `timeout`.
#  4. the same config locally (`--cores 2`) in another directory (or, with $LOCAL_RUN, a local run
#     already made, e.g. .ci/run's reproduction check); final tables (pandas, minus provenance
#     columns) and figures (bytes) must be identical. The SLURM/local wall-time ratio is printed.
#  5. `sacct` of the submitted jobs: threads (ReqCPUS/AllocCPUS), ReqMem and Timelimit must match
#     what Snakemake evaluated from the rules and the profile for each job or group job (from the
#     Snakemake log; .ci/slurm_resources.py), and every job must be COMPLETED.
#  6. the account and partition given by $SBATCH_ACCOUNT/$SBATCH_PARTITION reach the jobs, and
#     `device: cuda` sends `simulate` to the `gpu` partition with one GPU (the job is held in the
#     DOWN gpu partition and cancelled; this machine has no GPU).
# A trap stops every daemon it started, by PID, on exit (also on failure).
#
# Environment: CHECK_CONFIG (config file), CHECK_DIR (work folder, default /tmp/slurm-check),
# CHECK_TIMEOUT (seconds for one Snakemake run, default 1800), VENV (default .venv),
# LOCAL_RUN (a finished local --cores 2 run of CHECK_CONFIG to compare against instead of making
# one) with LOCAL_WALL (its wall seconds, for the ratio),
# SLURM_REAL_MEMORY (MB, default: what `slurmd -C` reports minus 512).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
export MPLBACKEND=Agg
VENV=${VENV:-$REPO/.venv}
CHECK_CONFIG=$(realpath "${CHECK_CONFIG:-tests/config-tiny.yaml}")
CHECK_DIR=${CHECK_DIR:-/tmp/slurm-check}
CHECK_TIMEOUT=${CHECK_TIMEOUT:-1800}
PIDDIR=/run/slurm-check
CLUSTER=ci
ACCOUNT=ci-account
NODE=$(hostname -s)
SNAKEMAKE="$VENV/bin/snakemake"

log() { printf '\n== %s  [%s]\n' "$*" "$(date -u +%H:%M:%S)"; }

install_packages() {
    log "install slurm-wlm munge slurmdbd mariadb-server"
    local t0=$SECONDS
    export DEBIAN_FRONTEND=noninteractive
    if ! command -v slurmctld >/dev/null || ! command -v slurmdbd >/dev/null \
        || ! command -v munged >/dev/null || ! command -v mariadbd >/dev/null; then
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends \
            slurm-wlm munge slurmdbd mariadb-server >/dev/null
    fi
    if [ ! -x "$SNAKEMAKE" ] || ! "$VENV/bin/python" -c 'import snakemake_executor_plugin_slurm' 2>/dev/null; then
        python3 -m venv "$VENV" && "$VENV/bin/pip" install -q -e ".[test,slurm]"
    fi
    echo "install: $((SECONDS - t0)) s"
}

# Start "$@" in the background, record its PID under $PIDDIR/<name>.pid.
start_daemon() {
    local name=$1; shift
    "$@" >"/var/log/slurm-check/$name.out" 2>&1 &
    echo $! >"$PIDDIR/$name.pid"
    echo "started $name (pid $!)"
}

stop_daemons() {
    local name pid
    # reverse order of start
    for name in slurmd slurmctld slurmdbd mariadbd munged; do
        [ -f "$PIDDIR/$name.pid" ] || continue
        pid=$(cat "$PIDDIR/$name.pid")
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
            echo "stopped $name (pid $pid)"
        fi
        rm -f "$PIDDIR/$name.pid"
    done
    # slurmd forks one slurmstepd per job step; they exit with their jobs (none left after
    # the runs) and are not ours to kill by name.
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local limit=$1 what=$2; shift 2
    for _ in $(seq $((limit * 2))); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.5
    done
    echo "timed out after ${limit}s waiting for $what" >&2
    return 1
}

configure() {
    log "configure munge, mariadb, slurmdbd, slurm ($NODE)"
    mkdir -p "$PIDDIR" /var/log/slurm-check /var/log/slurm /var/lib/slurm/slurmctld \
        /var/lib/slurm/slurmd /run/slurm /etc/slurm
    chown -R slurm:slurm /var/log/slurm /var/lib/slurm /run/slurm
    # munge: /run/munge must exist (no systemd here to create it), key 0400 owned by munge
    mkdir -p /run/munge /var/lib/munge /var/log/munge /etc/munge
    [ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge:munge /etc/munge/munge.key /run/munge /var/lib/munge /var/log/munge
    chmod 0400 /etc/munge/munge.key
    chmod 0755 /run/munge
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld

    local cpus mem
    read -r cpus mem < <(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*RealMemory=\([0-9]*\).*/\1 \2/p')
    mem=${SLURM_REAL_MEMORY:-$((mem - 512))}
    cat >/etc/slurm/slurm.conf <<EOF
# Single-node CI cluster written by .ci/slurm-check.sh
ClusterName=$CLUSTER
SlurmctldHost=localhost
AuthType=auth/munge
SlurmUser=slurm
SlurmdUser=root
MailProg=/bin/true
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
# no cgroups in a container: track processes through /proc, no task binding
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# accounting through slurmdbd: sacct is what the Snakemake plugin polls
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStorageTRES=gres/gpu
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobCompType=jobcomp/none
# keep sbatch --comment (rule_<name>_wildcards_<...>, set by the plugin) in sacct
AccountingStoreFlags=job_comment
GresTypes=gpu
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem Gres=gpu:1 State=UNKNOWN
PartitionName=main Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
# The GPU partition of the profile (device: cuda). This node has no real GPU (gres.conf declares a
# device-less one), so the partition is DOWN: jobs queue in it (Reason=PartitionDown) and never run.
PartitionName=gpu Nodes=$NODE MaxTime=INFINITE State=DOWN
EOF
    cat >/etc/slurm/gres.conf <<EOF
NodeName=$NODE Name=gpu File=/dev/null
EOF
    cat >/etc/slurm/slurmdbd.conf <<EOF
AuthType=auth/munge
DbdHost=localhost
SlurmUser=slurm
LogFile=/var/log/slurm/slurmdbd.log
PidFile=/run/slurm/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=slurm-ci
StorageLoc=slurm_acct_db
EOF
    # slurmdbd refuses to start unless its config is 0600 and owned by SlurmUser
    chown slurm:slurm /etc/slurm/slurmdbd.conf
    chmod 0600 /etc/slurm/slurmdbd.conf
    grep -E '^(NodeName|PartitionName)' /etc/slurm/slurm.conf
}

cluster_up() {
    configure
    log "start daemons"
    local t0=$SECONDS
    start_daemon munged runuser -u munge -- /usr/sbin/munged --foreground
    wait_for 20 munge munge -n
    if [ ! -d /var/lib/mysql/mysql ]; then mariadb-install-db --user=mysql >/dev/null; fi
    start_daemon mariadbd runuser -u mysql -- /usr/sbin/mariadbd
    wait_for 60 mariadb mariadb -e 'select 1'
    mariadb -e "CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurm-ci';
                GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"
    start_daemon slurmdbd /usr/sbin/slurmdbd -D
    wait_for 60 slurmdbd sacctmgr -n list cluster
    sacctmgr -i add cluster "$CLUSTER" >/dev/null 2>&1 || true
    sacctmgr -i add account "$ACCOUNT" cluster="$CLUSTER" Description=CI Organization=ci >/dev/null 2>&1 || true
    sacctmgr -i add user root account="$ACCOUNT" DefaultAccount="$ACCOUNT" >/dev/null 2>&1 || true
    # -c: start from a clean state (no node DRAIN reasons or jobs left by an earlier run)
    start_daemon slurmctld /usr/sbin/slurmctld -D -c
    wait_for 60 slurmctld scontrol ping
    start_daemon slurmd /usr/sbin/slurmd -D
    node_idle() { [ "$(sinfo -h -n "$NODE" -p main -o %T)" = idle ]; }
    if ! wait_for 90 "node idle" node_idle; then
        sinfo; tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log; return 1
    fi
    sinfo
    sacctmgr -n -P list assoc format=cluster,account,user
    echo "cluster up: $((SECONDS - t0)) s"
}

final_files() {  # final tables and figures of a run directory (relative paths)
    (cd "$1" && find results/tables figures -type f \( -name '*.parquet' -o -name '*.csv' -o -name '*.png' \) | sort)
}

compare_runs() {
    log "compare final tables and figures: $1 vs $2"
    "$VENV/bin/python" "$REPO/.ci/compare_runs.py" "$1" "$2"
}

run_slurm() {  # run_slurm DIR [snakemake args...]; prints wall time
    local dir=$1; shift
    mkdir -p "$dir"
    local t0; t0=$(date +%s.%N)
    # --slurm-init-seconds-before-status-checks: first poll after 2 s (default 40 s), and the
    # plugin resets to this interval whenever a poll finds a finished job.
    timeout --kill-after=60 "$CHECK_TIMEOUT" "$SNAKEMAKE" --workflow-profile profiles/slurm \
        --configfile "$CHECK_CONFIG" --directory "$dir" \
        --slurm-init-seconds-before-status-checks 2 --slurm-keep-successful-logs \
        "$@" >"$dir.log" 2>&1 || {
        local rc=$?; echo "SLURM run failed (exit $rc; 124 = timeout); last lines of $dir.log:"
        tail -40 "$dir.log"; return $rc; }
    local t1; t1=$(date +%s.%N)
    printf 'slurm wall: %.1f s\n' "$(echo "$t1 - $t0" | bc)" | tee "$dir.wall"
}

run_local() {
    local dir=$1; shift
    mkdir -p "$dir"
    local t0; t0=$(date +%s.%N)
    timeout --kill-after=60 "$CHECK_TIMEOUT" "$SNAKEMAKE" --cores 2 \
        --configfile "$CHECK_CONFIG" --directory "$dir" --quiet rules "$@" >"$dir.log" 2>&1 || {
        local rc=$?; echo "local run failed (exit $rc); last lines of $dir.log:"
        tail -40 "$dir.log"; return $rc; }
    local t1; t1=$(date +%s.%N)
    printf 'local wall: %.1f s\n' "$(echo "$t1 - $t0" | bc)" | tee "$dir.wall"
}

check_sacct() {  # check_sacct RUNDIR: the jobs of the run's log, as sacct saw them
    log "sacct of the submitted jobs"
    local ids
    ids=$(grep -o 'SLURM jobid [0-9]*' "$1.log" | awk '{print $3}' | paste -sd, -)
    [ -n "$ids" ] || { echo "no SLURM job ids in $1.log"; return 1; }
    sacct -X -P -j "$ids" \
        --format=JobID,Comment%80,Partition,Account,State,ExitCode,ReqCPUS,AllocCPUS,ReqMem,Timelimit,Elapsed \
        >"$1.sacct"
    # MaxRSS of the job steps (batch = jobstep Snakemake; step 0 = srun'ed Snakemake + script)
    sacct -P -j "$ids" --format=JobID,JobName,MaxRSS,Elapsed >"$1.sacct-steps"
    column -t -s'|' "$1.sacct" | cut -c1-220 >"$1.sacct.txt"
    head -n 60 "$1.sacct.txt"
    # the account and partition given by SBATCH_ACCOUNT / SBATCH_PARTITION reached every job
    awk -F'|' -v a="$ACCOUNT" -v p=main 'NR > 1 && ($3 != p || $4 != a) {
        print "FAIL: job " $1 " ran in partition " $3 " with account " $4; bad = 1 }
        END { exit bad }' "$1.sacct"
    echo "OK: every job ran in partition main with account $ACCOUNT"
    "$VENV/bin/python" "$REPO/.ci/slurm_resources.py" "$1"
}

check_routing() {  # account/partition from the environment, GPU partition for device: cuda
    log "account, partition and GPU routing reach the submitted job"
    local dir=$CHECK_DIR/gpu
    rm -rf "$dir" && mkdir -p "$dir"
    local target
    # (no `| head` on a long pipe: under pipefail its SIGPIPE would end the script)
    "$SNAKEMAKE" --configfile "$CHECK_CONFIG" --directory "$dir" -n --forceall >"$dir.dry" 2>&1 || true
    target=$(grep -o -m1 'results/spike/[^ ,]*seed~[0-9]*\.parquet' "$dir.dry" || true)
    target=${target%%$'\n'*}  # a job's output line names every seed's file: keep the first
    [ -n "$target" ] || { echo "no estimate_spike target found"; return 1; }
    # the target is an estimate_spike output: its simulate job is the first one submitted
    SBATCH_ACCOUNT=$ACCOUNT timeout 120 "$SNAKEMAKE" --workflow-profile profiles/slurm \
        --configfile "$CHECK_CONFIG" --directory "$dir" --config device=cuda \
        --slurm-init-seconds-before-status-checks 2 "$target" >"$dir.log" 2>&1 &
    local smk=$!
    local jobid=""
    for _ in $(seq 120); do
        jobid=$(grep -o 'SLURM jobid [0-9]*' "$dir.log" | awk '{print $3}' | head -1 || true)
        [ -n "$jobid" ] && break
        kill -0 $smk 2>/dev/null || break
        sleep 0.5
    done
    if [ -z "$jobid" ]; then echo "no job submitted:"; tail -30 "$dir.log"; kill $smk 2>/dev/null; return 1; fi
    sleep 2
    scontrol show job "$jobid" | grep -E 'JobId|Account|Partition|TRES|TresPer|Reason|MinMemory' | tee "$dir.job"
    kill -INT $smk 2>/dev/null || true   # Snakemake cancels its jobs (scancel) on SIGINT
    wait $smk 2>/dev/null || true
    scancel "$jobid" 2>/dev/null || true
    grep -q "Partition=gpu" "$dir.job" || { echo "FAIL: simulate not in the gpu partition"; return 1; }
    grep -Eq "gres/gpu=1|gres:gpu:1|gpu:1" "$dir.job" || { echo "FAIL: no GPU requested"; return 1; }
    grep -q "Account=$ACCOUNT" "$dir.job" || { echo "FAIL: account $ACCOUNT not on the job"; return 1; }
    echo "OK: device=cuda -> simulate group job in partition gpu, 1 GPU, account $ACCOUNT"
}

main_check() {
    trap stop_daemons EXIT
    stop_daemons   # daemons left by an earlier `up` (by their recorded PIDs)
    install_packages
    cluster_up
    rm -rf "$CHECK_DIR/slurm" "$CHECK_DIR/local"
    log "SLURM run of $(basename "$CHECK_CONFIG") (README cluster command)"
    SBATCH_ACCOUNT=$ACCOUNT SBATCH_PARTITION=main run_slurm "$CHECK_DIR/slurm"
    local local_dir=$CHECK_DIR/local
    if [ -n "${LOCAL_RUN:-}" ]; then
        local_dir=$(realpath "$LOCAL_RUN")
        printf 'local wall: %.1f s\n' "${LOCAL_WALL:?LOCAL_WALL: wall seconds of LOCAL_RUN}" \
            >"$CHECK_DIR/local.wall"
        log "local run: $local_dir (given)"
    else
        log "local run (--cores 2)"
        run_local "$local_dir"
    fi
    compare_runs "$CHECK_DIR/slurm" "$local_dir"
    check_sacct "$CHECK_DIR/slurm"
    check_routing
    log "wall times"
    cat "$CHECK_DIR/slurm.wall" "$CHECK_DIR/local.wall"
    awk '{print $3}' "$CHECK_DIR/slurm.wall" "$CHECK_DIR/local.wall" | paste -sd' ' \
        | awk '{printf "SLURM/local wall-time ratio: %.2f\n", $1 / $2}'

    log "SLURM check passed"
}

case "${1:-all}" in
    install) install_packages ;;
    up) install_packages; cluster_up ;;
    down) stop_daemons ;;
    routing) check_routing ;;   # needs a running cluster (`up`)
    all) main_check ;;
    *) echo "usage: $0 [install|up|down|routing|all]" >&2; exit 2 ;;
esac
