#!/usr/bin/env bash
# Recovery: a migration with values that do not cast ends with exit 3 and a
# failed-records file; the operator fixes the records and retries exactly them.
set -uo pipefail
work=$1
export FS_STORE="${FS_SCENARIO_STORE:-local:$work/demo}"

fs migrate old-customer-profile new-customer-profile --failed-output "$work/failed.jsonl" --yes > "$work/first.out"
echo "first exit: $?"
# Fix: balance "n/a" means unknown; the team decides 0.
sed 's/"balance":"n\/a"/"balance":"0"/' "$work/failed.jsonl" > "$work/fixed.jsonl"
fs migrate old-customer-profile new-customer-profile --retry-failed "$work/fixed.jsonl" \
  --failed-output "$work/failed-again.jsonl" --yes > "$work/retry.out"
echo "retry exit: $?"
test ! -s "$work/failed-again.jsonl" && echo "no failures left"
fs get new-customer-profile "$(head -1 "$work/failed.jsonl" | sed 's/.*"recordIdentifier":"\([^"]*\)".*/\1/')" > "$work/fixed-record.json"
