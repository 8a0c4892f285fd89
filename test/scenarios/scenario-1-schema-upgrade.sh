#!/usr/bin/env bash
# Seed scenario 1: schema upgrade of old-customer-profile into new-customer-profile.
set -uo pipefail
work=$1
export FS_STORE="${FS_SCENARIO_STORE:-local:$work/demo}"

fs export old-customer-profile "$work/backup.json" --format json --compress || exit 1
test -s "$work/backup.json.gz" || exit 1
fs list | grep -q new-customer-profile || { echo "target missing"; exit 1; }
fs schema old-customer-profile -o json > "$work/old-schema.json"
fs schema new-customer-profile -o json > "$work/new-schema.json"
diff "$work/old-schema.json" "$work/new-schema.json" > "$work/schema.diff" && { echo "schemas should differ"; exit 1; }
fs migrate old-customer-profile new-customer-profile --clear-target --batch-size 200 --max-workers 6 \
  --failed-output "$work/failed.jsonl" --yes > "$work/migrate.out"
echo "migrate exit: $?"
fs export new-customer-profile - --limit 10 --format json > "$work/sample.json" || exit 1
echo "failed lines: $(wc -l < "$work/failed.jsonl")"
