#!/usr/bin/env bash
# Lists processes that carry a test run's marker in their environment
# (HOOKLAKE_TEST_RUN=ID, which everything the suite starts inherits) and
# are still running; exits 1, naming them, if there is any.
#   scripts/leftovers.sh ID [PID-TO-IGNORE...]
# Run it without the marker itself (env -u HOOKLAKE_TEST_RUN ...), so that
# it and its own children do not count. Processes get a few seconds to
# finish exiting first.
set -uo pipefail
marker="HOOKLAKE_TEST_RUN=$1"
shift
ignore=" $* "

find_leftovers() {
  local environ pid
  for environ in /proc/[0-9]*/environ; do
    pid="${environ#/proc/}"
    pid="${pid%/environ}"
    [[ "$ignore" == *" $pid "* ]] && continue
    if { tr '\0' '\n' < "$environ"; } 2>/dev/null | grep -qxF "$marker"; then
      echo "$pid"
    fi
  done
}

for _ in $(seq 1 20); do
  pids="$(find_leftovers)"
  [[ -z "$pids" ]] && break
  sleep 0.5
done
if [[ -z "$pids" ]]; then
  echo "none: every process the suite started has exited"
  exit 0
fi
echo "these processes started by the test suite are still running (stop them with: kill -9 $(echo $pids)):"
# shellcheck disable=SC2086
ps -o pid,ppid,etime,rss,args -p "$(echo $pids | tr ' ' ',')"
exit 1
