#!/usr/bin/env bash
# Side-by-side benchmark: Tern, Mosquitto (Debian) and HiveMQ CE (embedded, bench/hivemq-launcher),
# each pinned to one CPU with the load generator (`tern bench`) on another, the same scenarios,
# brokers alternating within each round, a fresh broker for every run. Writes BENCHMARKS.md.
#
#   bench/compare.sh                       # full run (about 50 minutes: see bench/README.md)
#   bench/compare.sh --quick --note "..."  # smoke run: 1 round, short runs, fewer connections
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
results=""
build=1
settle=2
max_queue=100000
hivemq_version=2025.5

usage() {
  cat <<EOF
usage: bench/compare.sh [options]

  --reps N                 rounds; every round runs every scenario once per broker (default $reps)
  --duration S             measured seconds per run (default $duration)
  --warmup S               seconds of load before measuring (default $warmup)
  --scenarios LIST         comma-separated names from the list below (default: all)
  --brokers LIST           comma-separated: tern, tern-rocksdb, mosquitto, hivemq (default $brokers)
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
  --results DIR            where raw results go (default bench/target/compare-<time>)
  --no-build               use the jars already built

Environment: TERN_JAVA_OPTS and HIVEMQ_JAVA_OPTS (JVM flags of the two JVM brokers, default
"-Xms512m -Xmx1g -XX:+UseParallelGC" for both), GENERATOR_JAVA_OPTS (default "-Xmx1g -XX:+UseParallelGC").

Scenarios:
$(scenario_table | awk -F'\t' '{printf "  %-14s %s\n", $1, $3}')
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
    persistent-q1 "publishedPerSecond,deliveredPerSecond" "persistent sessions QoS 1 (10 offline sessions, ${persistent_messages} queued each)" "persistent --qos 1 --subscribers 10 --messages ${persistent_messages}" \
    idle "rssPerConnectionKb,heapPerConnectionKb" "idle connections (${idle_connections} held)" "idle --connections ${idle_connections}" \
    storm connectsPerSecond "connection storm (${storm_connections} clients)" "storm --connections ${storm_connections} --max-pending 500"
}

shell_quote() { # one argument as the shell reads it back: bare when plain, else in single quotes
  if [[ "$1" =~ ^[A-Za-z0-9_./,:=+-]+$ ]]; then printf '%s' "$1"; else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}
command="bench/compare.sh"
for a in "$@"; do command="$command $(shell_quote "$a")"; done
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
    --quick) reps=1; duration=2; warmup=3; idle_connections=2000; storm_connections=1000
             persistent_messages=2000; latency_rate=2000; shift ;;
    --note) note="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --results) results="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

TERN_JAVA_OPTS="${TERN_JAVA_OPTS:--Xms512m -Xmx1g -XX:+UseParallelGC}"
HIVEMQ_JAVA_OPTS="${HIVEMQ_JAVA_OPTS:--Xms512m -Xmx1g -XX:+UseParallelGC}"
GENERATOR_JAVA_OPTS="${GENERATOR_JAVA_OPTS:--Xmx1g -XX:+UseParallelGC}"
IFS=',' read -r -a broker_list <<< "$brokers"
for b in "${broker_list[@]}"; do
  case "$b" in tern|tern-rocksdb|mosquitto|hivemq) ;; *) echo "compare.sh: unknown broker $b" >&2; exit 2 ;; esac
done
ncpu=$(nproc)
if [ "$broker_cpu" -ge "$ncpu" ] || [ "$generator_cpu" -ge "$ncpu" ]; then
  echo "compare.sh: this machine has $ncpu CPUs; --broker-cpu and --generator-cpu must be below that" >&2
  exit 2
fi

results="${results:-$here/bench/target/compare-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$results/runs" "$results/settings" "$results/logs"
scenario_table > "$results/scenarios.all.tsv"
if [ "$scenarios_wanted" = all ]; then
  cp "$results/scenarios.all.tsv" "$results/scenarios.tsv"
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
if [ "$build" = 1 ]; then
  log "building tern-cli (with tern-bench) ..."
  mvn -q -B -DskipTests -pl cli -am package >&2
  if [[ " ${broker_list[*]} " == *" hivemq "* ]]; then
    log "building the HiveMQ CE launcher ..."
    mvn -q -B -f "$launcher/pom.xml" package >&2
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
    tern|tern-rocksdb)
      local storage=memory
      [ "$name" = tern-rocksdb ] && storage=rocksdb
      cat > "$dir/tern.yaml" <<EOF
listeners:
  - name: mqtt
    host: 127.0.0.1
    port: $port
storage:
  type: $storage
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
    hivemq)
      # shellcheck disable=SC2086
      taskset -c "$broker_cpu" java $HIVEMQ_JAVA_OPTS -cp "$launcher/target/hivemq-launcher.jar:$launcher/target/lib/*" \
        dev.tern.bench.hivemq.HiveMqLauncher "$port" "$dir" "$max_queue" > "$dir/broker.log" 2>&1 &
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
      tern|tern-rocksdb)
        local storage=memory
        [ "$b" = tern-rocksdb ] && storage="rocksdb (durability: process, the default)"
        cat > "$f" <<EOF
\`taskset -c $broker_cpu java $TERN_JAVA_OPTS -jar cli/target/tern-cli.jar broker --config tern.yaml\`;
storage $storage; one I/O thread (\`ioThreads\` 0 = one per available core, and taskset leaves one).

\`\`\`yaml
listeners:
  - name: mqtt
    host: 127.0.0.1
    port: <free port>
storage:
  type: ${storage%% *}
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
      hivemq)
        cat > "$f" <<EOF
\`taskset -c $broker_cpu java $HIVEMQ_JAVA_OPTS -cp 'bench/hivemq-launcher/target/hivemq-launcher.jar:bench/hivemq-launcher/target/lib/*' dev.tern.bench.hivemq.HiveMqLauncher <port> <dir> $max_queue\`
(HiveMQ CE $hivemq_version embedded, on its own Netty 4.1; no extensions: embedded HiveMQ CE allows all clients by default.)

\`\`\`xml
$(sed -n '/<hivemq>/,/<\/hivemq>/p' "$launcher/src/main/java/dev/tern/bench/hivemq/HiveMqLauncher.java" | sed 's/^            //' | sed "s/%d<\/port>/<free port><\/port>/; s/%d<\/max-queue-size>/$max_queue<\/max-queue-size>/")
\`\`\`
Everything else at HiveMQ CE's defaults (overload protection on, as shipped).
EOF
        ;;
    esac
  done
}

java_version="$(java -version 2>&1 | head -1 | sed 's/"//g')"
mosquitto_version="$("$mosquitto_bin" -h 2>/dev/null | head -1 | awk '{print $3}' || true)"
started="$(date -u +'%Y-%m-%d %H:%M UTC')"
commit="$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$here" status --porcelain --untracked-files=no -- . ':!BENCHMARKS.md' 2>/dev/null)" ]; then commit="$commit (with uncommitted changes)"; fi
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"
start_seconds=$SECONDS
write_settings

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
  echo "jvm=$java_version; brokers: TERN_JAVA_OPTS=$TERN_JAVA_OPTS, HIVEMQ_JAVA_OPTS=$HIVEMQ_JAVA_OPTS; generator: $GENERATOR_JAVA_OPTS"
  echo "mosquittoVersion=$mosquitto_version"
  echo "hivemqVersion=$hivemq_version"
  echo "ternCommit=$commit"
  echo "loadAverage=$load_at_start (1, 5, 15 min; at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
} > "$results/meta.properties"

java -jar "$jar" bench report --results "$results" --out "$out" >&2
log "done in $((elapsed / 60)) min $((elapsed % 60)) s; results in $results, report in $out"
