#!/usr/bin/env bash
# Seed scenario 5: incremental sync with a state file; dry-run first, then real.
set -euo pipefail
work=$1
export FS_STORE="${FS_SCENARIO_STORE:-local:$work/demo}"
state="$work/last-sync"

sync() {
  local since
  since=$(cat "$state" 2>/dev/null || echo "1970-01-01T00:00:00Z")
  local now
  now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
  fs migrate customer-history customer-history-v2 --filter-query "WHERE event_time > '$since'" --dry-run > "$work/dry-$1.out"
  grep "Estimated records" "$work/dry-$1.out"
  fs migrate customer-history customer-history-v2 --filter-query "WHERE event_time > '$since'" --yes --json > "$work/run-$1.json"
  echo "$now" > "$state"
}

sync first
# New events arrive in the source…
future=$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%S.000Z)
printf 'customer_id,event_time,lifetime_value,orders,last_channel,churn_score\ncust_000001,%s,1.5,99,web,0.5\ncust_900000,%s,2.5,1,app,0.1\n' "$future" "$future" > "$work/new.csv"
fs bulk-put customer-history "$work/new.csv"
sync second
fs get customer-history-v2 cust_900000 > "$work/new-record.json"
