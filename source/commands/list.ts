import {defineCommand} from '../cli/command.js';
import {outputFlags} from '../cli/flags.js';
import {storesOf, type FeatureGroup} from '../core/types.js';
import {describeStore} from '../stores/open.js';
import {renderTable} from '../ui/table.js';

export const listCommand = defineCommand({
	name: 'list',
	summary: 'feature groups with status, stores, TTL and tables',
	args: [0, 0],
	flags: outputFlags,
	help: `
Usage
  fs list [-o table|json]

Lists the feature groups of the store: status, stores (online+offline, online,
offline), online storage type, TTL, record identifier and event-time features,
offline table format and Athena table, creation time.

Examples
  fs list --store local:./demo
  fs list -o json | jq -r '.[].FeatureGroupName'`,
	async run(context) {
		const store = await context.store();
		const groups = await store.listFeatureGroups();
		if (context.flags.json || context.flags.output === 'json') {
			context.json(groups.map(listEntry));
			return;
		}

		const {style} = context;
		context.note(style.dim(`store ${describeStore(store)} · ${groups.length} feature group${groups.length === 1 ? '' : 's'}`));
		if (groups.length === 0) {
			context.note('No feature groups yet: create one with `fs create`, or try `fs demo`.');
			return;
		}

		const width = context.io.stdout.isTTY ? context.io.stdout.columns ?? 80 : undefined;
		context.print(renderTable(groups.map(listEntry), [
			{header: 'NAME', value: row => row.FeatureGroupName},
			{
				header: 'STATUS', value: row => row.FeatureGroupStatus,
				paint: (text, row) => (row.FeatureGroupStatus === 'Created' ? style.green(text) : style.yellow(text)),
			},
			{header: 'STORES', value: row => row.Stores},
			{header: 'STORAGE', value: row => row.StorageType ?? '-', priority: 4},
			{header: 'TTL', value: row => row.TtlDuration ?? '-', priority: 5},
			{header: 'RECORD ID', value: row => row.RecordIdentifierFeatureName, priority: 3},
			{header: 'EVENT TIME', value: row => row.EventTimeFeatureName, priority: 3},
			{header: 'FORMAT', value: row => row.TableFormat ?? '-', priority: 6},
			{header: 'ATHENA TABLE', value: row => row.AthenaTable ?? '-', priority: 7},
			{header: 'CREATED', value: row => row.CreationTime.slice(0, 16).replace('T', ' '), priority: 2},
		], width));
	},
});

export function listEntry(group: FeatureGroup) {
	const ttl = group.OnlineStoreConfig?.TtlDuration;
	const catalog = group.OfflineStoreConfig?.DataCatalogConfig;
	return {
		FeatureGroupName: group.FeatureGroupName,
		FeatureGroupStatus: group.FeatureGroupStatus,
		Stores: storesOf(group),
		StorageType: group.OnlineStoreConfig?.EnableOnlineStore ? group.OnlineStoreConfig.StorageType ?? 'Standard' : undefined,
		TtlDuration: ttl ? `${ttl.Value} ${ttl.Unit}` : undefined,
		RecordIdentifierFeatureName: group.RecordIdentifierFeatureName,
		EventTimeFeatureName: group.EventTimeFeatureName,
		TableFormat: group.OfflineStoreConfig ? group.OfflineStoreConfig.TableFormat ?? 'Glue' : undefined,
		AthenaTable: catalog ? `${catalog.Database}.${catalog.TableName}` : undefined,
		CreationTime: group.CreationTime.toISOString(),
	};
}
