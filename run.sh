#!/usr/bin/env bash
# Builds target/portcullis.jar when it is missing or older than the sources, then runs it.
# Every argument is passed through: ./run.sh --ws-port 9000, ./run.sh add-user alice, ./run.sh --help.
# ./run.sh bench [scenario...] [options] runs the benchmark suite instead (BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")"

jar=target/portcullis.jar
if [ "${1:-}" = bench ]; then
  shift
  # The harness (bench/) compiles with the tests; rebuild when anything it runs is newer than the jar.
  if [ ! -f "$jar" ] || [ ! -f target/test-classes/dev/portcullis/bench/Bench.class ] \
      || [ -n "$(find pom.xml src/main bench -newer "$jar" -print -quit)" ]; then
    echo "run.sh: building $jar and the benchmark harness ..." >&2
    mvn -B -q -DskipTests package >&2
  fi
  # One process holds every client connection: take the whole hard limit on open files.
  hard=$(ulimit -Hn)
  if [ "$hard" = unlimited ]; then hard=1048576; fi
  ulimit -n "$hard" 2>/dev/null || echo "run.sh: could not raise the open-file limit to $hard" >&2
  label="${BENCH_LABEL:-$(git describe --always --dirty 2>/dev/null || echo "not a git checkout")}"
  exec java ${BENCH_JAVA_OPTS:--Xms512m -Xmx2g -XX:+UseParallelGC} \
    -cp "target/test-classes:$jar" dev.portcullis.bench.Bench --jar "$jar" --out target/bench --label "$label" "$@"
fi
if [ ! -f "$jar" ] || [ -n "$(find pom.xml src/main -newer "$jar" -print -quit)" ]; then
  echo "run.sh: building $jar ..." >&2
  mvn -B -q -DskipTests package >&2
fi
exec java ${JAVA_OPTS:-} -jar "$jar" "$@"
