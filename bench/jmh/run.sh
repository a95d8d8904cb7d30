#!/usr/bin/env bash
# Builds and runs the JMH micro-benchmarks: bench/jmh/run.sh [JMH options, e.g. TopicMatch -f 1 -wi 2 -i 3]
# `bench/jmh/run.sh -h` lists JMH's options; `bench/jmh/run.sh -l` lists the benchmarks.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
(cd "$here" && mvn -q -B -DskipTests -pl bench/jmh -am package) >&2
exec java -cp "$here/bench/jmh/target/tern-bench-jmh.jar:$here/bench/jmh/target/lib/*" org.openjdk.jmh.Main "$@"
