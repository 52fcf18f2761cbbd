#!/bin/bash
# usage: benchmarks/sample.sh DIR [SECONDS]: every SECONDS (15), one line to stdout: the time,
# DIR's disk use in MB, and the RSS in MiB of each xdist worker (execnet's `exec(eval(...))`).
# Runs until killed; the shard and cold-run scripts start it beside pytest.
D=${1:?usage: sample.sh DIR [SECONDS]}; S=${2:-15}
while true; do
  echo "$(date +%s) disk=$(du -sm "$D" 2>/dev/null | cut -f1) rss=$(ps -eo rss,args | grep 'exec(eval(sys.stdin' | grep -v grep | awk '{printf "%d ", $1/1024}')"
  sleep "$S"
done
