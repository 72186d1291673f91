#!/usr/bin/env bash
# A private, loopback-only Postfix instance for mailflow's conformance suite (needs root).
#
#   instance.sh create   write main.cf / master.cf and the queue directories (idempotent)
#   instance.sh start    start the master in the background (after `create`)
#   instance.sh stop     stop it; wait up to 15 s until its master process is gone
#   instance.sh purge    delete every queued message
#   instance.sh env      print ETC, SPOOL, LOG as shell assignments
#   instance.sh settings print the settings in force as JSON (postconf -h of each)
#
# Everything lives under $PF_ROOT; /etc/postfix and the system mail setup are never used.
# Safety: smtpd listens on one loopback address, DNS is off, no local delivery, and every
# destination except $SINK_DOMAINS goes to the `error` transport, so no mail leaves the machine.
#
# Environment (defaults in brackets):
#   PF_ROOT [/var/lib/mailflow-conformance-postfix]  SMTPD_ADDR [127.0.0.1:10026]
#   SINK_ADDR [127.0.0.3:2526]  SINK_DOMAINS ["sink.test"] (space separated, all to the sink)
#   QUEUE_RUN_DELAY [5s] MIN_BACKOFF [5s] MAX_BACKOFF [67s] QUEUE_LIFETIME [10m]
#   DEST_CONCURRENCY [20] INIT_CONCURRENCY [5]
#   PF_PRELOAD_ENV  extra NAME=VALUE words for import_environment (e.g. libfaketime's
#                   LD_PRELOAD=... FAKETIME=...); Postfix passes no other variable to its daemons.
set -euo pipefail

PF_ROOT=${PF_ROOT:-/var/lib/mailflow-conformance-postfix}
ETC=$PF_ROOT/etc
SPOOL=$PF_ROOT/spool
DATA=$PF_ROOT/data
LOG=$PF_ROOT/postfix.log
SMTPD_ADDR=${SMTPD_ADDR:-127.0.0.1:10026}
SINK_ADDR=${SINK_ADDR:-127.0.0.3:2526}
SINK_DOMAINS=${SINK_DOMAINS:-sink.test}

QUEUE_RUN_DELAY=${QUEUE_RUN_DELAY:-5s}
MIN_BACKOFF=${MIN_BACKOFF:-5s}
MAX_BACKOFF=${MAX_BACKOFF:-67s}
QUEUE_LIFETIME=${QUEUE_LIFETIME:-10m}
DEST_CONCURRENCY=${DEST_CONCURRENCY:-20}
INIT_CONCURRENCY=${INIT_CONCURRENCY:-5}
PF_PRELOAD_ENV=${PF_PRELOAD_ENV:-}

# Settings recorded with every run (settings.json).
SETTINGS="mail_version queue_run_delay minimal_backoff_time maximal_backoff_time
maximal_queue_lifetime bounce_queue_lifetime default_destination_concurrency_limit
initial_destination_concurrency default_destination_concurrency_failed_cohort_limit
default_destination_concurrency_positive_feedback default_destination_concurrency_negative_feedback
default_destination_recipient_limit smtp_connection_cache_on_demand smtp_connect_timeout
qmgr_message_active_limit in_flow_delay transport_maps"

pf() { postfix -c "$ETC" "$@"; }

stop() {
    local pid
    pid=$( { tr -dc 0-9 < "$SPOOL/pid/master.pid"; } 2>/dev/null || true)
    pf stop >/dev/null 2>&1 || true
    [[ -n $pid ]] || return 0
    for _ in $(seq 150); do
        [[ $(cat "/proc/$pid/comm" 2>/dev/null) == master ]] || return 0
        sleep 0.1
    done
    echo "instance.sh: master $pid still running after 15 s; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
}

create() {
    mkdir -p "$ETC" "$SPOOL" "$DATA"
    chmod 755 "$PF_ROOT" "$ETC" "$SPOOL"
    chown postfix:postfix "$DATA"
    local sink_host=${SINK_ADDR%:*} sink_port=${SINK_ADDR##*:} routes="" d
    for d in $SINK_DOMAINS; do
        routes+="$d=smtp:[$sink_host]:$sink_port, "
    done
    cat > "$ETC/main.cf" <<CF
# Written by mailflow conformance/postfix/lib/instance.sh: a loopback-only test instance.
compatibility_level = 3.6
queue_directory = $SPOOL
data_directory = $DATA
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-mfconf
maillog_file = $LOG
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME $PF_PRELOAD_ENV

myhostname = mta.bench.test
mydomain = bench.test
myorigin = \$myhostname
mydestination =
inet_interfaces = ${SMTPD_ADDR%:*}
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
local_recipient_maps =
notify_classes =
biff = no
message_size_limit = 20480000

# Routing: the sink domains go to the loopback sink; bounces (to bounces.test) are discarded;
# anything else fails at once, so nothing ever leaves the machine.
relayhost =
smtp_dns_support_level = disabled
smtp_host_lookup = native
transport_maps = inline:{ ${routes}bounces.test=discard:bench }
default_transport = error:5.7.1 test instance delivers only to its sink
local_transport = error:5.7.1 test instance has no local delivery

# Retry timing of the experiment (compressed from Postfix's 300s / 300s / 4000s / 5d).
queue_run_delay = $QUEUE_RUN_DELAY
minimal_backoff_time = $MIN_BACKOFF
maximal_backoff_time = $MAX_BACKOFF
maximal_queue_lifetime = $QUEUE_LIFETIME
bounce_queue_lifetime = $QUEUE_LIFETIME
default_destination_concurrency_limit = $DEST_CONCURRENCY
initial_destination_concurrency = $INIT_CONCURRENCY
CF
    cat > "$ETC/master.cf" <<CF
# Written by mailflow conformance/postfix/lib/instance.sh (no chroot; smtpd on loopback only).
$SMTPD_ADDR inet n  -  n  -  -  smtpd
pickup    unix  n  -  n  60    1  pickup
cleanup   unix  n  -  n  -     0  cleanup
qmgr      unix  n  -  n  300   1  qmgr
rewrite   unix  -  -  n  -     -  trivial-rewrite
bounce    unix  -  -  n  -     0  bounce
defer     unix  -  -  n  -     0  bounce
trace     unix  -  -  n  -     0  bounce
verify    unix  -  -  n  -     1  verify
flush     unix  n  -  n  1000? 0  flush
proxymap  unix  -  -  n  -     -  proxymap
smtp      unix  -  -  n  -     -  smtp
relay     unix  -  -  n  -     -  smtp
showq     unix  n  -  n  -     -  showq
error     unix  -  -  n  -     -  error
retry     unix  -  -  n  -     -  error
discard   unix  -  -  n  -     -  discard
anvil     unix  -  -  n  -     1  anvil
scache    unix  -  -  n  -     1  scache
postlog   unix-dgram n - n -   1  postlogd
CF
    pf set-permissions >/dev/null 2>&1 || true
    pf check
}

settings() {
    local p first=1
    printf '{'
    for p in $SETTINGS; do
        [[ $first == 1 ]] || printf ', '
        first=0
        printf '"%s": "%s"' "$p" "$(postconf -c "$ETC" -h "$p" | sed 's/\\/\\\\/g; s/"/\\"/g')"
    done
    printf '}\n'
}

case "${1:-}" in
    create) create ;;
    start) pf start >/dev/null ;;
    stop) stop ;;
    purge) postsuper -c "$ETC" -d ALL >/dev/null 2>&1 || true ;;
    env) printf 'ETC=%q\nSPOOL=%q\nLOG=%q\n' "$ETC" "$SPOOL" "$LOG" ;;
    settings) settings ;;
    *) echo "usage: $0 create|start|stop|purge|env|settings" >&2; exit 2 ;;
esac
