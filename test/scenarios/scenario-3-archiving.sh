#!/usr/bin/env bash
# Seed scenario 3: archive rows older than 90 days into an archive group.
set -euo pipefail
work=$1
export FS_STORE="${FS_SCENARIO_STORE:-local:$work/demo}"

fs export customer-history "$work/old.csv" \
  --where "WHERE from_iso8601_timestamp(event_time) < current_date - interval '90' day"
fs bulk-put customer-archive "$work/old.csv"
fs export customer-archive - --limit 3 --format json > "$work/sample.json"

# Verify: the archive holds exactly the old rows.
fs export customer-archive "$work/archive.csv"
cmp "$work/old.csv" "$work/archive.csv"
echo "archived: $(($(wc -l < "$work/archive.csv") - 1))"
