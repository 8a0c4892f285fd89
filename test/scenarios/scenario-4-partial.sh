#!/usr/bin/env bash
# Seed scenario 4: migrate only listed customers.
set -euo pipefail
work=$1
export FS_STORE="${FS_SCENARIO_STORE:-local:$work/demo}"

fs migrate all-customers selected-customers \
  --filter-query "WHERE customer_id IN ('cust_000001', 'cust_000002', 'cust_000003', 'nobody')" --yes > "$work/migrate.out"
fs export selected-customers - --columns customer_id --format json > "$work/ids.json"
cat "$work/ids.json"
