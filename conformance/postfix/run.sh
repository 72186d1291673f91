#!/usr/bin/env bash
# mailflow's conformance suite against a real Postfix. See README.md in this folder.
#
#   run.sh full NAME      real run with the parameters from the environment (~11 min by default),
#                         stored in $OUT_ROOT/results/NAME (STORE=1: in ./results/NAME, the
#                         suite's reference data), then compared with mailflow (full bands)
#   run.sh ci             short real run (~3.5 min) + comparison with the CI bands
#   run.sh compare DIR    no root, seconds: compare a stored results folder with $MAILFLOW
#                         (PROFILE=ci for the CI bands)
#   run.sh logs piecewise|day   real Postfix mail logs for log fitting (see README.md)
#
# Exit codes: 0 every band met; 1 a band broken; 2 usage or environment error;
#             3 "not supported by this mailflow" (it rejected the scenario with exit 2);
#             4 mailflow failed otherwise.
# Needs root for everything except `compare` (it starts a private Postfix instance on loopback;
# the system's mail setup is not touched). Installs Debian's postfix (and faketime for
# `logs day`) with apt-get when missing. Postfix and smtp-sink are stopped however it ends.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1
HERE=$(cd "$(dirname "$0")" && pwd)
LIB=$HERE/lib
MODE=${1:-}
shift || true

die() { echo "run.sh: $*" >&2; exit 2; }
usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

# ---- parameters (environment); ci mode has its own defaults
if [[ $MODE == ci ]]; then
    : "${RATE:=5}" "${LOAD:=150}" "${FAULT:=refused}" "${FAULT_AT:=30}" "${FAULT_FOR:=90}"
    : "${QUEUE_LIFETIME:=30s}" "${SEEDS:=5}" "${DRAIN_MAX:=120}" "${PROFILE:=ci}"
fi
export RATE=${RATE:-5} LOAD=${LOAD:-600} FAULT=${FAULT:-refused}
export FAULT_AT=${FAULT_AT:-120} FAULT_FOR=${FAULT_FOR:-180} DRAIN_MAX=${DRAIN_MAX:-300}
export SEED=${SEED:-1} SEEDS=${SEEDS:-10} PROFILE=${PROFILE:-full}
export QUEUE_RUN_DELAY=${QUEUE_RUN_DELAY:-5s} MIN_BACKOFF=${MIN_BACKOFF:-5s}
export MAX_BACKOFF=${MAX_BACKOFF:-67s} QUEUE_LIFETIME=${QUEUE_LIFETIME:-10m}
export DEST_CONCURRENCY=${DEST_CONCURRENCY:-20} INIT_CONCURRENCY=${INIT_CONCURRENCY:-5}
export PF_ROOT=${PF_ROOT:-/var/lib/mailflow-conformance-postfix}
export SMTPD_ADDR=${SMTPD_ADDR:-127.0.0.1:10026} SINK_ADDR=${SINK_ADDR:-127.0.0.3:2526}
OUT_ROOT=${OUT_ROOT:-${TMPDIR:-/tmp}/mailflow-conformance-postfix}

find_mailflow() {
    MAILFLOW=${MAILFLOW:-$(command -v mailflow || true)}
    [[ -n $MAILFLOW ]] || die "set MAILFLOW=/path/to/mailflow (or put mailflow on PATH)"
    [[ $MAILFLOW == */* ]] || MAILFLOW=$(command -v "$MAILFLOW" || true)
    [[ -f $MAILFLOW && -x $MAILFLOW ]] || die "MAILFLOW=${MAILFLOW:-?} is not an executable file"
    MAILFLOW=$(cd "$(dirname "$MAILFLOW")" && pwd)/$(basename "$MAILFLOW")
}

compare() { # compare DIR OUT
    local plot=() py=python3
    [[ ${NO_PLOT:-0} == 1 ]] && plot=(--no-plot)
    # matplotlib is optional (queue.png); Debian's python3 may have it when the default lacks it.
    if ! python3 -c 'import matplotlib' 2>/dev/null && /usr/bin/python3 -c 'import matplotlib' \
        2>/dev/null; then
        py=/usr/bin/python3
    fi
    $py "$LIB/compare.py" "$1" --mailflow "$MAILFLOW" --seeds "$SEEDS" --profile "$PROFILE" \
        --out "$2" ${plot[@]+"${plot[@]}"}
}

need_root_and_postfix() {
    [[ $(id -u) == 0 ]] || die "mode '$MODE' needs root (it starts a Postfix instance)"
    local pkgs=()
    command -v postfix >/dev/null && command -v smtp-sink >/dev/null || pkgs+=(postfix)
    [[ ${1:-} == faketime ]] && ! command -v faketime >/dev/null && pkgs+=(faketime)
    if ((${#pkgs[@]})); then
        echo "== installing ${pkgs[*]} (postfix with debconf 'No configuration')"
        echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}" \
            >/dev/null || { apt-get update -q >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
                "${pkgs[@]}" >/dev/null; }
    fi
}

# ---- the Postfix instance and the sink are stopped however this script ends
CHILD=
RUN=
FT_PID=
cleanup() {
    local sink
    if [[ -n $CHILD ]]; then
        kill -TERM "$CHILD" 2>/dev/null || true
        wait "$CHILD" 2>/dev/null || true
    fi
    if [[ -n $RUN ]]; then
        sink=$(cat "$RUN/sink.pid" 2>/dev/null || true)
        if [[ -n $sink && $(cat "/proc/$sink/comm" 2>/dev/null) == smtp-sink ]]; then
            kill -TERM "$sink" 2>/dev/null || true
        fi
    fi
    [[ $(id -u) == 0 ]] && command -v postfix >/dev/null && "$LIB/instance.sh" stop || true
    if [[ -n $FT_PID ]]; then
        wait "$FT_PID" 2>/dev/null || true
    fi
}

start_instance() {
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP
    eval "$("$LIB/instance.sh" env)"
    "$LIB/instance.sh" stop
    "$LIB/instance.sh" create
    "$LIB/instance.sh" purge
    : > "$LOG"
    if [[ ${1:-} == faketime ]]; then
        FAKETIME_DONT_RESET=1 faketime -f "@$FT_START x$FT_SPEED" \
            postfix -c "$ETC" start-fg > "$RUN/postfix-fg.log" 2>&1 &
        FT_PID=$!
    else
        "$LIB/instance.sh" start
    fi
    local _
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/${SMTPD_ADDR%:*}/${SMTPD_ADDR##*:}") 2>/dev/null && return 0
        sleep 0.1
    done
    die "Postfix smtpd did not come up on $SMTPD_ADDR"
}

real_run() { # real_run RUN_DIR: the experiment; leaves raw files and the parsed tables in it
    RUN=$1
    mkdir -p "$RUN"
    start_instance
    "$LIB/instance.sh" settings > "$RUN/settings.json"
    echo "== real Postfix: $RATE msg/s for ${LOAD}s, fault '$FAULT' at ${FAULT_AT}s for" \
        "${FAULT_FOR}s, lifetime $QUEUE_LIFETIME -> $RUN"
    # In the background so that a signal to this script is handled at once (cleanup stops it).
    python3 "$LIB/experiment.py" --out "$RUN" --spool "$SPOOL" --log "$LOG" \
        --smtpd "$SMTPD_ADDR" --sink "$SINK_ADDR" --rate "$RATE" --load "$LOAD" \
        --fault "$FAULT" --fault-at "$FAULT_AT" --fault-for "$FAULT_FOR" \
        --drain-max "$DRAIN_MAX" --seed "$SEED" &
    CHILD=$!
    wait "$CHILD"
    CHILD=
    "$LIB/instance.sh" stop
}

store() { # store RUN_DIR DEST: the compact result set that `compare` reads
    local run=$1 dest=$2
    mkdir -p "$dest"
    cp "$run"/{meta.json,settings.json,queue.csv,events.csv} "$dest"/
    gzip -9 -c "$run/attempts.csv" > "$dest/attempts.csv.gz"
    gzip -9 -c "$run/messages.csv" > "$dest/messages.csv.gz"
    gzip -9 -c "$run/postfix-stamped.log" > "$dest/postfix-stamped.log.gz"
    # The raw log is kept only while it is small (it is not needed by `compare`).
    if (($(stat -c %s "$dest/postfix-stamped.log.gz") > 1500000)); then
        rm "$dest/postfix-stamped.log.gz"
    fi
}

case $MODE in
    full)
        NAME=${1:-}
        [[ -n $NAME ]] || die "usage: run.sh full NAME"
        find_mailflow
        need_root_and_postfix
        RAW=$OUT_ROOT/out/$(date +%Y%m%d-%H%M%S)-$NAME
        real_run "$RAW"
        if [[ ${STORE:-0} == 1 ]]; then DEST=$HERE/results/$NAME; else DEST=$OUT_ROOT/results/$NAME; fi
        store "$RAW" "$DEST"
        echo "== stored: $DEST"
        compare "$DEST" "$RAW/compare"
        ;;
    ci)
        find_mailflow
        need_root_and_postfix
        RAW=$OUT_ROOT/out/$(date +%Y%m%d-%H%M%S)-ci
        real_run "$RAW"
        store "$RAW" "$RAW/stored"
        compare "$RAW/stored" "$RAW/compare"
        ;;
    compare)
        DIR=${1:-}
        [[ -n $DIR && -f $DIR/meta.json ]] || die "usage: run.sh compare RESULTS_DIR (with meta.json)"
        find_mailflow
        OUT=${OUT:-$OUT_ROOT/compare/$(basename "$(cd "$DIR" && pwd)")-$PROFILE}
        compare "$DIR" "$OUT"
        ;;
    logs)
        KIND=${1:-}
        [[ $KIND == piecewise || $KIND == day ]] || die "usage: run.sh logs piecewise|day"
        if [[ $KIND == day ]]; then need_root_and_postfix faketime; else need_root_and_postfix; fi
        RUN=$OUT_ROOT/out/$(date +%Y%m%d-%H%M%S)-log-$KIND
        mkdir -p "$RUN"
        export SINK_DOMAINS="sink.test partner.test customer.example lists.example.org"
        # Deliveries must never wait on the retry machinery in these logs.
        export QUEUE_RUN_DELAY=${LOG_QUEUE_RUN_DELAY:-300s} MIN_BACKOFF=300s MAX_BACKOFF=4000s
        export QUEUE_LIFETIME=5d
        if [[ $KIND == day ]]; then
            # libfaketime speeds Postfix's clock up FT_SPEED times. The `faketime` wrapper keeps
            # one start time in shared memory for every process under it (FAKETIME_DONT_RESET),
            # so it must stay alive: it runs `postfix start-fg`. Postfix passes only the
            # variables named in import_environment to its daemons.
            FT_SPEED=${FT_SPEED:-60}
            FT_START=${FT_START:-$(python3 "$LIB/maillog.py" next-midnight)}
            export PF_PRELOAD_ENV="LD_PRELOAD FAKETIME FAKETIME_SHARED FAKETIME_DONT_RESET"
            start_instance faketime
        else
            start_instance
        fi
        "$LIB/instance.sh" settings > "$RUN/settings.json"
        python3 "$LIB/maillog.py" "$KIND" --out "$RUN" --smtpd "$SMTPD_ADDR" --sink "$SINK_ADDR" \
            --spool "$SPOOL" --log "$LOG" --dest "${LOG_DEST:-$HERE/logs}" \
            --settings "$RUN/settings.json" --fake-start "${FT_START:-}" \
            ${QUICK:+--quick} &
        CHILD=$!
        wait "$CHILD"
        CHILD=
        ;;
    *) usage ;;
esac
