#!/usr/bin/env bash
# Items/s through the Jet MQTT sink and source (connectors module), against Tern and Mosquitto.
# Usage: bench/connectors/run.sh [messages] [payloadBytes]     (defaults 200000 64)
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
# one reactor build: compiles what the bench needs and writes the test classpath (the last module,
# connectors, writes it last)
mvn -q -B -pl connectors -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$root/connectors/target/bench.classpath"
exec java -Xmx1g -Dhazelcast.phone.home.enabled=false -Dhazelcast.logging.type=slf4j \
  -cp "connectors/target/test-classes:connectors/target/classes:$(cat connectors/target/bench.classpath)" \
  dev.tern.connectors.bench.ConnectorBench "$@"
