#!/usr/bin/env bash
# Side-by-side benchmark: Tern, Mosquitto (Debian), HiveMQ CE (embedded, bench/hivemq-launcher) and
# Apache ActiveMQ Artemis (embedded, bench/artemis-launcher), each pinned to one CPU with the load
# generator (`tern bench`) on another, the same scenarios, brokers alternating within each round, a
# fresh broker for every run. Writes BENCHMARKS.md.
#
#   bench/compare.sh                       # full run (about 35 minutes: see bench/README.md)
#   bench/compare.sh --quick --note "..."  # smoke run: 1 round, short runs, fewer connections
#   bench/compare.sh --durable             # persistent sessions: in-memory vs durable brokers, writes bench/DURABLE.md
#   bench/compare.sh --help
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

reps=3
duration=10
# a fresh JVM broker on one core needs ~10 s of load before its hot path is compiled: with 2 s,
# HiveMQ CE measured 42k msg/s in fan-in QoS 0 where it does 239k warm
warmup=10
scenarios_wanted=all
brokers="tern,mosquitto,hivemq"
idle_connections=10000
storm_connections=5000
persistent_messages=20000
latency_rate=10000
broker_cpu=0
generator_cpu=1
note=""
out="$here/BENCHMARKS.md"
findings="$here/bench/FINDINGS.md"
results=""
build=1
settle=2
max_queue=100000
hivemq_version=2025.5
artemis_version="$(sed -n 's:.*<artemis.version>\(.*\)</artemis.version>.*:\1:p' "$here/bench/artemis-launcher/pom.xml")"
artemis_journal=auto
reference="tern"
ratio_peers=""
title="Benchmarks"

usage() {
  cat <<EOF
usage: bench/compare.sh [options]

  --reps N                 rounds; every round runs every scenario once per broker (default $reps)
  --duration S             measured seconds per run (default $duration)
  --warmup S               seconds of load before measuring (default $warmup)
  --scenarios LIST         comma-separated names from the list below (default: all)
  --brokers LIST           comma-separated (default $brokers):
                             tern                Tern, storage in memory
                             tern-rocksdb        Tern, RocksDB, durability process (acknowledged once in the WAL)
                             tern-rocksdb-fsync  Tern, RocksDB, durability fsync (acknowledged once the WAL is fsynced)
                             mosquitto           Mosquitto, persistence false
                             hivemq              HiveMQ CE, persistence in-memory
                             hivemq-file         HiveMQ CE, persistence file (its default)
                             artemis             Artemis, file journal, journal sync on (its default)
                             artemis-nosync      Artemis, file journal, journal sync off
  --durable                preset for issue 4's durability comparison: --scenarios pairs-q1-persistent,persistent-q1
                           --brokers tern,tern-rocksdb,tern-rocksdb-fsync,mosquitto,hivemq,hivemq-file,artemis
                           --reference tern-rocksdb,tern-rocksdb-fsync --ratio-peers hivemq-file,artemis
                           --persistent-messages 50000 --out bench/DURABLE.md
                           (options given as well override it; combines with --quick)
  --reference LIST         brokers whose medians the ratio columns divide (default $reference)
  --ratio-peers LIST       brokers they are divided by (default: every broker not named tern*)
  --artemis-journal J      nio, aio (libaio: Debian package libaio1) or auto = aio when libaio is installed,
                           as \`artemis create\` chooses (default $artemis_journal)
  --idle-connections N     connections the idle scenario holds (default $idle_connections; one generator
                           process stays below its open-file limit, ~19,000 here)
  --storm-connections N    connections of the storm scenario (default $storm_connections)
  --persistent-messages N  messages queued per offline session (default $persistent_messages)
  --latency-rate N         total msg/s of the fixed-rate latency scenario (default $latency_rate)
  --broker-cpu N           CPU the broker is pinned to (default $broker_cpu)
  --generator-cpu N        CPU the generator is pinned to (default $generator_cpu)
  --quick                  smoke preset: --reps 1 --duration 2 --warmup 3 --idle-connections 2000
                           --storm-connections 1000 --persistent-messages 2000 --latency-rate 2000
  --note TEXT              banner at the top of the report (e.g. "smoke run on a busy machine")
  --out FILE               report to write (default BENCHMARKS.md at the repository root)
  --findings FILE          hand-written analysis put into the report after the summary: what the profiles
                           show, what was changed, where a target is not met and why (default
                           bench/FINDINGS.md; with --durable bench/DURABLE-FINDINGS.md; "" for none)
  --results DIR            where raw results go (default bench/target/compare-<time>)
  --no-build               use the jars already built

Environment: TERN_JAVA_OPTS, HIVEMQ_JAVA_OPTS and ARTEMIS_JAVA_OPTS (JVM flags of the JVM brokers,
default "-Xmx1g -Xmn32m -XX:MaxTenuringThreshold=1 -XX:+UseParallelGC" for all: the tern launcher's defaults plus a heap cap), GENERATOR_JAVA_OPTS (default "-Xmx1g -XX:+UseParallelGC").

Scenarios:
$(scenario_table | awk -F'\t' '{printf "  %-20s %s\n", $1, $3}')
  (all = every scenario but pairs-q1-persistent, which --durable runs)
EOF
}

# name <TAB> summary metrics <TAB> title <TAB> generator arguments
scenario_table() {
  printf '%s\t%s\t%s\t%s\n' \
    fanin-q0 deliveredPerSecond "fan-in QoS 0 (4 publishers -> 1 wildcard subscriber)" "fan-in --qos 0 --publishers 4" \
    fanin-q1 deliveredPerSecond "fan-in QoS 1" "fan-in --qos 1 --publishers 4" \
    fanout-q0 deliveredPerSecond "fan-out QoS 0 (1 publisher -> 50 subscribers)" "fan-out --qos 0 --subscribers 50" \
    pairs-q1 deliveredPerSecond "20 pairs QoS 1" "pairs --qos 1 --pairs 20" \
    pairs-q2 deliveredPerSecond "20 pairs QoS 2" "pairs --qos 2 --pairs 20" \
    shared-q1 deliveredPerSecond "shared subscription QoS 1 (4 publishers -> 4 members)" "shared --qos 1 --publishers 4 --subscribers 4" \
    latency-q1 "latencyP50Us,latencyP99Us" "20 pairs QoS 1 at a fixed ${latency_rate} msg/s" "pairs --qos 1 --pairs 20 --rate ${latency_rate}" \
    persistent-q1 "publishedPerSecond,deliveredPerSecond,outOfOrder,lost,duplicates" "persistent sessions QoS 1 (10 offline sessions, ${persistent_messages} queued each)" "persistent --qos 1 --subscribers 10 --messages ${persistent_messages}" \
    pairs-q1-persistent "deliveredPerSecond,publishedPerSecond,outOfOrder,lost,duplicates" "20 pairs QoS 1, persistent sessions (online)" "pairs --qos 1 --pairs 20 --persistent-sessions" \
    idle "rssPerConnectionKb,rssPerConnectionMarginalKb,heapPerConnectionKb" "idle connections (${idle_connections} held)" "idle --connections ${idle_connections} --warmup-connections $((idle_connections * 2))" \
    storm connectsPerSecond "connection storm (${storm_connections} clients)" "storm --connections ${storm_connections} --max-pending 500"
}

shell_quote() { # one argument as the shell reads it back: bare when plain, else in single quotes
  if [[ "$1" =~ ^[A-Za-z0-9_./,:=+-]+$ ]]; then printf '%s' "$1"; else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}
command="bench/compare.sh"
for a in "$@"; do command="$command $(shell_quote "$a")"; done
# presets first, so every option given with them overrides them whatever its position
for a in "$@"; do
  case "$a" in
    --quick) reps=1; duration=2; warmup=3; idle_connections=2000; storm_connections=1000
             persistent_messages=2000; latency_rate=2000 ;;
    --durable) scenarios_wanted="pairs-q1-persistent,persistent-q1"
               brokers="tern,tern-rocksdb,tern-rocksdb-fsync,mosquitto,hivemq,hivemq-file,artemis"
               reference="tern-rocksdb,tern-rocksdb-fsync"; ratio_peers="hivemq-file,artemis"
               persistent_messages=50000 # 500,000 deliveries: a warm in-memory broker drains 200,000 in ~0.15 s
               out="$here/bench/DURABLE.md"; title="Benchmarks: persistent sessions, in memory and durable"
               findings="$here/bench/DURABLE-FINDINGS.md" ;;
  esac
done
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --scenarios) scenarios_wanted="$2"; shift 2 ;;
    --brokers) brokers="$2"; shift 2 ;;
    --idle-connections) idle_connections="$2"; shift 2 ;;
    --storm-connections) storm_connections="$2"; shift 2 ;;
    --persistent-messages) persistent_messages="$2"; shift 2 ;;
    --latency-rate) latency_rate="$2"; shift 2 ;;
    --broker-cpu) broker_cpu="$2"; shift 2 ;;
    --generator-cpu) generator_cpu="$2"; shift 2 ;;
    --quick|--durable) shift ;;
    --reference) reference="$2"; shift 2 ;;
    --ratio-peers) ratio_peers="$2"; shift 2 ;;
    --artemis-journal) artemis_journal="$2"; shift 2 ;;
    --note) note="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --findings) findings="$2"; shift 2 ;;
    --results) results="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

TERN_JAVA_OPTS="${TERN_JAVA_OPTS:--Xmx1g -Xmn32m -XX:MaxTenuringThreshold=1 -XX:+UseParallelGC}"
HIVEMQ_JAVA_OPTS="${HIVEMQ_JAVA_OPTS:--Xmx1g -Xmn32m -XX:MaxTenuringThreshold=1 -XX:+UseParallelGC}"
ARTEMIS_JAVA_OPTS="${ARTEMIS_JAVA_OPTS:--Xmx1g -Xmn32m -XX:MaxTenuringThreshold=1 -XX:+UseParallelGC}"
GENERATOR_JAVA_OPTS="${GENERATOR_JAVA_OPTS:--Xmx1g -XX:+UseParallelGC}"
IFS=',' read -r -a broker_list <<< "$brokers"
for b in "${broker_list[@]}"; do
  case "$b" in tern|tern-rocksdb|tern-rocksdb-fsync|mosquitto|hivemq|hivemq-file|artemis|artemis-nosync) ;;
    *) echo "compare.sh: unknown broker $b (see --help)" >&2; exit 2 ;;
  esac
done
# the JVM's library path (the Artemis native loader asks for libaio.so.1 through it)
has_libaio() { ldconfig -p 2>/dev/null | grep -q 'libaio\.so\.1 ' || [ -e /usr/lib/x86_64-linux-gnu/libaio.so.1 ] || [ -e /lib/x86_64-linux-gnu/libaio.so.1t64 ]; }
case "$artemis_journal" in
  auto) if has_libaio; then artemis_journal=aio; else artemis_journal=nio; fi ;;
  nio|aio) ;;
  *) echo "compare.sh: --artemis-journal must be nio, aio or auto, not $artemis_journal" >&2; exit 2 ;;
esac
ncpu=$(nproc)
if [ "$broker_cpu" -ge "$ncpu" ] || [ "$generator_cpu" -ge "$ncpu" ]; then
  echo "compare.sh: this machine has $ncpu CPUs; --broker-cpu and --generator-cpu must be below that" >&2
  exit 2
fi

results="${results:-$here/bench/target/compare-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$results/runs" "$results/settings" "$results/logs"
scenario_table > "$results/scenarios.all.tsv"
if [ "$scenarios_wanted" = all ]; then
  grep -v '^pairs-q1-persistent' "$results/scenarios.all.tsv" > "$results/scenarios.tsv"
else
  : > "$results/scenarios.tsv"
  IFS=',' read -r -a wanted <<< "$scenarios_wanted"
  for w in "${wanted[@]}"; do
    if ! awk -F'\t' -v n="$w" '$1 == n {print; found=1} END {exit !found}' "$results/scenarios.all.tsv" >> "$results/scenarios.tsv"; then
      echo "compare.sh: unknown scenario $w (see --help)" >&2; exit 2
    fi
  done
fi

log() { echo "compare.sh: $*" >&2; }

jar="$here/cli/target/tern-cli.jar"
launcher="$here/bench/hivemq-launcher"
artemis_launcher="$here/bench/artemis-launcher"
wants() { [[ " ${broker_list[*]} " == *" $1"* ]]; } # a broker whose name starts with $1 is in the list
if [ "$build" = 1 ]; then
  log "building tern-cli (with tern-bench) ..."
  mvn -q -B -DskipTests -pl cli -am package >&2
  if wants hivemq; then
    log "building the HiveMQ CE launcher ..."
    mvn -q -B -f "$launcher/pom.xml" package >&2
  fi
  if wants artemis; then
    log "building the Artemis launcher ..."
    mvn -q -B -f "$artemis_launcher/pom.xml" package >&2
  fi
fi
[ -f "$jar" ] || { log "$jar is missing: run without --no-build"; exit 1; }
if [[ " ${broker_list[*]} " == *" mosquitto "* ]] && ! command -v mosquitto >/dev/null && [ ! -x /usr/sbin/mosquitto ]; then
  log "mosquitto is not installed: apt-get install mosquitto (or run .ci/deps)"; exit 1
fi
mosquitto_bin="$(command -v mosquitto || echo /usr/sbin/mosquitto)"

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local p
  while true; do
    # below the ephemeral range (32768+), so no client socket holds it
    p=$((20000 + RANDOM % 10000))
    port_in_use "$p" || { echo "$p"; return; }
  done
}

broker_pid=""
broker_dir=""

# start_broker NAME PORT DIR: starts it pinned to the broker CPU, sets broker_pid, waits until it listens
start_broker() {
  local name="$1" port="$2" dir="$3"
  mkdir -p "$dir"
  case "$name" in
    tern|tern-rocksdb|tern-rocksdb-fsync)
      local storage="{type: memory}"
      [ "$name" = tern-rocksdb ] && storage="{type: rocksdb, durability: process}"
      [ "$name" = tern-rocksdb-fsync ] && storage="{type: rocksdb, durability: fsync}"
      cat > "$dir/tern.yaml" <<EOF
listeners:
  - name: mqtt
    host: 127.0.0.1
    port: $port
storage: $storage
mqtt:
  maxQueuedMessages: $max_queue
dataDir: $dir/data
EOF
      # shellcheck disable=SC2086
      taskset -c "$broker_cpu" java $TERN_JAVA_OPTS -jar "$jar" broker --config "$dir/tern.yaml" > "$dir/broker.log" 2>&1 &
      ;;
    mosquitto)
      cat > "$dir/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages $max_queue
max_inflight_messages 0
set_tcp_nodelay true
log_dest stderr
log_type error
log_type warning
EOF
      taskset -c "$broker_cpu" "$mosquitto_bin" -c "$dir/mosquitto.conf" > "$dir/broker.log" 2>&1 &
      ;;
    hivemq|hivemq-file)
      local mode=in-memory
      [ "$name" = hivemq-file ] && mode=file
      # shellcheck disable=SC2086
      taskset -c "$broker_cpu" java $HIVEMQ_JAVA_OPTS -cp "$launcher/target/hivemq-launcher.jar:$launcher/target/lib/*" \
        dev.tern.bench.hivemq.HiveMqLauncher "$port" "$dir" "$max_queue" "$mode" > "$dir/broker.log" 2>&1 &
      ;;
    artemis|artemis-nosync)
      local sync=sync
      [ "$name" = artemis-nosync ] && sync=nosync
      # shellcheck disable=SC2086
      taskset -c "$broker_cpu" java $ARTEMIS_JAVA_OPTS -Djava.library.path="$artemis_launcher/target/native/lib/linux-x86_64" \
        -cp "$artemis_launcher/target/artemis-launcher.jar:$artemis_launcher/target/lib/*" \
        dev.tern.bench.artemis.ArtemisLauncher "$port" "$dir" "$artemis_journal" "$sync" > "$dir/broker.log" 2>&1 &
      ;;
  esac
  broker_pid=$!
  broker_dir="$dir"
  local deadline=$((SECONDS + 120))
  until port_in_use "$port"; do
    if ! kill -0 "$broker_pid" 2>/dev/null; then
      log "$name exited during start:"; tail -20 "$dir/broker.log" >&2; broker_pid=""; return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      log "$name did not listen on $port within 120 s"; stop_broker; return 1
    fi
    sleep 0.2
  done
  sleep "$settle"
}

stop_broker() {
  [ -n "$broker_pid" ] || return 0
  kill -TERM "$broker_pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$broker_pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  kill -KILL "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
  broker_pid=""
  rm -rf "$broker_dir/data"
}
trap stop_broker EXIT

json_error() {
  python3 -c 'import json,sys; print(json.dumps({"error": sys.argv[1]}))' "$1" 2>/dev/null \
    || printf '{"error": "%s"}\n' "$(echo "$1" | tr -d '"\\' | tr '\n' ' ')"
}

# run_one SCENARIO ARGS BROKER REP
run_one() {
  local scenario="$1" sargs="$2" broker="$3" rep="$4"
  local dir="$results/work/$scenario-$broker-$rep" json="$results/runs/$scenario/$broker-$rep.json"
  local genlog="$results/logs/$scenario-$broker-$rep.log"
  mkdir -p "$results/runs/$scenario"
  local port; port=$(free_port)
  log "round $rep/$reps  $scenario  $broker (port $port)"
  if ! start_broker "$broker" "$port" "$dir"; then
    json_error "$broker did not start: $(tail -5 "$dir/broker.log" 2>/dev/null | tr '\n' ' ')" > "$json"
    return
  fi
  # shellcheck disable=SC2086
  if ! taskset -c "$generator_cpu" java $GENERATOR_JAVA_OPTS -jar "$jar" bench $sargs --port "$port" \
      --broker-pid "$broker_pid" --label "$broker" --duration "$duration" --warmup "$warmup" --json "$json" \
      > "$genlog" 2>&1; then
    json_error "$(grep -v '^\s*at ' "$genlog" | tail -3 | tr '\n' ' ')" > "$json"
  fi
  if ! kill -0 "$broker_pid" 2>/dev/null; then
    json_error "$broker died during the run: $(tail -5 "$dir/broker.log" | tr '\n' ' ')" > "$json"
  fi
  stop_broker
  cp "$dir/broker.log" "$results/logs/$scenario-$broker-$rep.broker.log" 2>/dev/null || true
  rm -rf "$dir"
}

write_settings() {
  for b in "${broker_list[@]}"; do
    local f="$results/settings/$b.md"
    case "$b" in
      tern|tern-rocksdb|tern-rocksdb-fsync)
        local storage="{type: memory}" what=memory
        [ "$b" = tern-rocksdb ] && storage="{type: rocksdb, durability: process}" && what="RocksDB, durability process (the default)"
        [ "$b" = tern-rocksdb-fsync ] && storage="{type: rocksdb, durability: fsync}" && what="RocksDB, durability fsync"
        cat > "$f" <<EOF
\`taskset -c $broker_cpu java $TERN_JAVA_OPTS -jar cli/target/tern-cli.jar broker --config tern.yaml\`;
storage $what; one I/O thread (\`ioThreads\` 0 = one per available core, and taskset leaves one).

\`\`\`yaml
listeners:
  - name: mqtt
    host: 127.0.0.1
    port: <free port>
storage: $storage
dataDir: <the run's directory>/data
mqtt:
  maxQueuedMessages: $max_queue   # so the persistent scenario's queues fit (default 1000)
\`\`\`
Everything else at its default (docs/configuration.md).
EOF
        ;;
      mosquitto)
        cat > "$f" <<EOF
\`taskset -c $broker_cpu mosquitto -c mosquitto.conf\`

\`\`\`
listener <free port> 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages $max_queue   # so the persistent scenario's queues fit (default 1000)
max_inflight_messages 0          # see below
set_tcp_nodelay true             # see below
log_type error / warning
\`\`\`
\`max_inflight_messages 0\` (no limit, like Tern's and HiveMQ's outbound windows for MQTT 3.1.1 clients):
at the default of 20, Mosquitto 2.0.11 strands QoS 2 messages in a subscriber's queue once its
in-flight window has been full (an in-flight quota bug fixed in later 2.0.x releases); the 20-pairs
QoS 2 run then loses 44 messages per pair. \`set_tcp_nodelay true\`: with Nagle's algorithm on
(the default) its small PUBACKs wait for delayed ACKs and the persistent scenario's publisher
is held to ~1,500 msg/s; the JVM brokers disable Nagle.
EOF
        ;;
      hivemq|hivemq-file)
        local mode=in-memory
        [ "$b" = hivemq-file ] && mode=file
        cat > "$f" <<EOF
\`taskset -c $broker_cpu java $HIVEMQ_JAVA_OPTS -cp 'bench/hivemq-launcher/target/hivemq-launcher.jar:bench/hivemq-launcher/target/lib/*' dev.tern.bench.hivemq.HiveMqLauncher <port> <dir> $max_queue $mode\`
(HiveMQ CE $hivemq_version embedded, on its own Netty 4.1; no extensions: embedded HiveMQ CE allows all clients by default.)

\`\`\`xml
$(sed -n '/<hivemq>/,/<\/hivemq>/p' "$launcher/src/main/java/dev/tern/bench/hivemq/HiveMqLauncher.java" | sed 's/^            //' | sed "s/%d<\/port>/<free port><\/port>/; s/%d<\/max-queue-size>/$max_queue<\/max-queue-size>/; s/%s<\/mode>/$mode<\/mode>/")
\`\`\`
Everything else at HiveMQ CE's defaults (overload protection on, as shipped)$([ "$mode" = file ] && echo "; data folder <the run's directory>/data").
EOF
        ;;
      artemis|artemis-nosync)
        local sync=sync
        [ "$b" = artemis-nosync ] && sync=nosync
        cat > "$f" <<EOF
\`taskset -c $broker_cpu java $ARTEMIS_JAVA_OPTS -Djava.library.path=bench/artemis-launcher/target/native/lib/linux-x86_64 -cp 'bench/artemis-launcher/target/artemis-launcher.jar:bench/artemis-launcher/target/lib/*' dev.tern.bench.artemis.ArtemisLauncher <port> <dir> $artemis_journal $sync\`
(Apache ActiveMQ Artemis $artemis_version embedded, on its own Netty 4.1; see bench/artemis-launcher.)

- acceptor \`tcp://127.0.0.1:<free port>?tcpSendBufferSize=1048576;tcpReceiveBufferSize=1048576;protocols=MQTT;useEpoll=true\`
  (the MQTT acceptor of the broker.xml \`artemis create\` writes; MQTT parameters at their defaults)
- \`persistence-enabled\` true, journal type $(echo "$artemis_journal" | tr a-z A-Z | sed 's/^AIO$/ASYNCIO (libaio)/'),
  journal directory <the run's directory>/data/journal, \`journal-sync-transactional\` and
  \`journal-sync-non-transactional\` $([ "$sync" = sync ] && echo "true (Artemis's defaults)" || echo false),
  \`journal-buffer-timeout\` at its default (3,333,333 ns NIO, 500,000 ns AIO), \`journal-datasync\` true (default)
- \`security-enabled\` false, JMX management off
- address setting \`#\`: auto-create addresses and queues, no size limits, \`address-full-policy\` PAGE (as shipped)
- no per-queue message limit (Artemis pages to disk past \`global-max-size\`, half the heap)
EOF
        ;;
    esac
  done
}

# broker <TAB> storage <TAB> a QoS 1 PUBLISH is acknowledged <TAB> survives (the report's durability table)
write_durability() {
  local t=$'\t'
  cat > "$results/settings/durability.tsv" <<EOF
tern${t}memory (\`storage.type: memory\`)${t}once routed to the subscribers' queues, in memory${t}nothing: a restart or crash loses sessions and queued messages
tern-rocksdb${t}RocksDB (\`durability: process\`)${t}once its writes are in RocksDB's write-ahead log: a write() to the operating system, no fsync; deliveries wait for the write too${t}kill -9, a JVM crash, an out-of-memory kill; not power loss or a kernel crash
tern-rocksdb-fsync${t}RocksDB (\`durability: fsync\`)${t}once the write-ahead log is fsynced (group commit: one fsync for all batches waiting)${t}the above, and power loss or a kernel crash
mosquitto${t}memory (\`persistence false\`)${t}once queued, in memory${t}nothing. Mosquitto's persistence is a snapshot of its whole state every \`autosave_interval\` (default 30 min) and at a clean shutdown, never per message: with it on, a kill -9 loses everything since the last snapshot (issue 4: every message, the session and the retained message), and the per-message path is the same as without it, so it runs in memory here, for reference
hivemq${t}memory (\`<persistence><mode>in-memory\`)${t}once queued, in memory${t}nothing
hivemq-file${t}local files, Xodus and RocksDB (\`<persistence><mode>file\`, HiveMQ CE's default)${t}once queued in its file stores (its PUBACK waits for the publish's distribution to the subscribers' queues), which are written without an fsync per message (HiveMQ CE $hivemq_version's internal configuration: Xodus durable writes off, synced every second)${t}kill -9 (issue 4: nothing lost); not power loss (up to about the last second)
artemis${t}file journal ($(echo "$artemis_journal" | tr a-z A-Z)), journal sync on (Artemis's default)${t}once the journal reports the write complete (its storage manager's afterCompleteOperations), that is after the journal's fsync, batched every \`journal-buffer-timeout\`${t}kill -9 (issue 4: nothing lost) and power loss
artemis-nosync${t}file journal ($(echo "$artemis_journal" | tr a-z A-Z)), journal sync off${t}once the journal reports the write complete, without fsync${t}not verified here; not power loss
EOF
}

java_version="$(java -version 2>&1 | head -1 | sed 's/"//g')"
mosquitto_version="$("$mosquitto_bin" -h 2>/dev/null | head -1 | awk '{print $3}' || true)"
started="$(date -u +'%Y-%m-%d %H:%M UTC')"
commit="$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$here" status --porcelain --untracked-files=no -- . ':!BENCHMARKS.md' 2>/dev/null)" ]; then commit="$commit (with uncommitted changes)"; fi
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"
start_seconds=$SECONDS
write_settings
write_durability

n=${#broker_list[@]}
for rep in $(seq 1 "$reps"); do
  while IFS=$'\t' read -r name _metric _title sargs; do
    [ -n "$name" ] || continue
    for i in $(seq 0 $((n - 1))); do
      # rotate the order every round: no broker always runs first or last
      broker="${broker_list[$(( (i + rep - 1) % n ))]}"
      run_one "$name" "$sargs" "$broker" "$rep"
    done
  done < "$results/scenarios.tsv"
done
elapsed=$((SECONDS - start_seconds))

{
  echo "brokers=${broker_list[*]}"
  echo "note=$note"
  echo "started=$started"
  echo "finished=$(date -u +'%Y-%m-%d %H:%M UTC')"
  echo "elapsed=$((elapsed / 60)) min $((elapsed % 60)) s"
  echo "reps=$reps"
  echo "duration=$duration"
  echo "warmup=$warmup"
  echo "brokerCpu=$broker_cpu"
  echo "generatorCpu=$generator_cpu"
  echo "command=${command//\\/\\\\}"   # read as java.util.Properties: a backslash is written twice
  echo "cpuModel=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
  echo "cores=$ncpu"
  echo "memory=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "kernel=$(uname -sr)"
  echo "jvm=$java_version; brokers: TERN_JAVA_OPTS=$TERN_JAVA_OPTS, HIVEMQ_JAVA_OPTS=$HIVEMQ_JAVA_OPTS$(wants artemis && echo ", ARTEMIS_JAVA_OPTS=$ARTEMIS_JAVA_OPTS"); generator: $GENERATOR_JAVA_OPTS"
  echo "mosquittoVersion=$mosquitto_version"
  echo "hivemqVersion=$hivemq_version"
  if wants artemis; then echo "artemisVersion=$artemis_version"; fi
  echo "reference=$reference"
  echo "title=$title"
  if [ -n "$ratio_peers" ]; then echo "ratioPeers=$ratio_peers"; fi
  echo "dataDisk=$(df -PT "$results" | awk 'NR == 2 {print $2 " on " $1}') (the brokers' data directories are under $results/work)"
  echo "ternCommit=$commit"
  echo "loadAverage=$load_at_start (1, 5, 15 min; at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
} > "$results/meta.properties"
if [ -n "$findings" ] && [ -f "$findings" ]; then
  cp "$findings" "$results/findings.md" # the analysis as it stood for this run
fi

java -jar "$jar" bench report --results "$results" --out "$out" >&2
log "done in $((elapsed / 60)) min $((elapsed % 60)) s; results in $results, report in $out"
