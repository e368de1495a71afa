#!/usr/bin/env bash
# Builds target/portcullis.jar when it is missing or older than the sources, then runs it.
# Every argument is passed through: ./run.sh --ws-port 9000, ./run.sh add-user alice, ./run.sh --help.
set -euo pipefail
cd "$(dirname "$0")"

jar=target/portcullis.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml src/main -newer "$jar" -print -quit)" ]; then
  echo "run.sh: building $jar ..." >&2
  mvn -B -q -DskipTests package >&2
fi
exec java ${JAVA_OPTS:-} -jar "$jar" "$@"
