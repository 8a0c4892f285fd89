#!/usr/bin/env bash
# Seed scenario 2: copy a feature group between environments.
# "prod" and "staging" are two stores; on AWS they would be two profiles/regions.
set -euo pipefail
work=$1
prod="local:$work/prod"
staging="local:$work/staging"

fs export customer-history "$work/customer-history.json" --format json --store "$prod"
fs schema customer-history -o json --store "$prod" > "$work/schema.json"
fs create customer-history --schema-file "$work/schema.json" \
  --record-identifier-name customer_id --event-time-feature-name event_time --store "$staging"
fs bulk-put customer-history "$work/customer-history.json" --batch-size 500 --max-workers 4 --store "$staging"

# Verify: the same rows on both sides, and one record by hand.
fs export customer-history "$work/prod.csv" --store "$prod"
fs export customer-history "$work/staging.csv" --store "$staging"
cmp "$work/prod.csv" "$work/staging.csv"
fs get customer-history cust_000042 --store "$staging" > "$work/staging-42.json"
fs get customer-history cust_000042 --store "$prod" > "$work/prod-42.json"
cmp "$work/prod-42.json" "$work/staging-42.json"
echo "rows: $(($(wc -l < "$work/staging.csv") - 1))"
