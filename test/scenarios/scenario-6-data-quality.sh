#!/usr/bin/env bash
# Seed scenario 6: export, clean, bulk-put the cleaned file.
# Cleaning here: keep the latest profile of each customer, drop the rows whose
# balance is not a number, turn balance into a number and drop legacy_flag,
# so the rows fit new-customer-profile.
set -euo pipefail
work=$1
export FS_STORE="${FS_SCENARIO_STORE:-local:$work/demo}"

fs export old-customer-profile "$work/profiles.json" --format json --mode snapshot
node --input-type=module -e '
  import {readFileSync, writeFileSync} from "node:fs";
  const [input, output] = process.argv.slice(1);
  // external_id is a 64-bit integer: keep its digits exact by quoting them first.
  const text = readFileSync(input, "utf8").replace(/"external_id": (-?\d+)/g, "\"external_id\": \"$1\"");
  const cleaned = JSON.parse(text)
    .filter(row => !Number.isNaN(Number(row.balance)))
    .map(({legacy_flag, ...row}) => ({...row, balance: Number(row.balance), new_field: "cleaned"}));
  writeFileSync(output, JSON.stringify(cleaned));
' "$work/profiles.json" "$work/cleaned.json"
fs bulk-put new-customer-profile "$work/cleaned.json"

fs get new-customer-profile cust_000042 > "$work/42.json"
fs export new-customer-profile - --format json --columns customer_id --limit 1000000 > "$work/ids.json"
echo "customers: $(grep -c customer_id "$work/ids.json")"
