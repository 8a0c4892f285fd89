import {defineCommand} from '../cli/command.js';
import {confirmByTyping} from '../cli/prompt.js';
import {usageError} from '../core/errors.js';
import {count} from '../core/format.js';
import {checkFeatureGroupName} from '../core/names.js';
import {hasOfflineStore, hasOnlineStore} from '../core/types.js';
import {clearOffline, clearOnline} from '../engine/clear.js';
import {describeStore} from '../stores/open.js';

export const clearCommand = defineCommand({
	name: 'clear',
	summary: 'delete a feature group\'s own data (online, offline or both)',
	args: [1, 1],
	flags: {
		onlineOnly: {type: 'boolean', default: false},
		offlineOnly: {type: 'boolean', default: false},
		dryRun: {type: 'boolean', default: false},
		yes: {type: 'boolean', short: 'y', default: false},
	},
	help: `
Usage
  fs clear FEATURE_GROUP [--online-only|--offline-only] [--dry-run] [--yes]

Deletes the data of this feature group only: online records through
ListRecords + DeleteRecord (HardDelete, TargetStores=OnlineStore, so no delete
markers reappear offline), offline data only under the group's own
ResolvedOutputS3Uri. The group itself stays.

On a terminal it asks you to type the group's name; in a script pass --yes.

Examples
  fs clear customer-history-v2 --dry-run
  fs clear customer-history-v2 --online-only --yes`,
	async run(context) {
		const {flags, style} = context;
		const name = checkFeatureGroupName(context.input[0]!);
		if (flags.onlineOnly && flags.offlineOnly) throw usageError('--online-only and --offline-only exclude each other.', 'Pass one of them, or neither to clear both stores.');
		const store = await context.store();
		const group = await store.describeFeatureGroup(name);
		const online = !flags.offlineOnly && hasOnlineStore(group);
		const offline = !flags.onlineOnly && hasOfflineStore(group);
		if (flags.onlineOnly && !hasOnlineStore(group)) throw usageError(`${name} has no online store.`, 'Drop --online-only.');
		if (flags.offlineOnly && !hasOfflineStore(group)) throw usageError(`${name} has no offline store.`, 'Drop --offline-only.');
		if (group.FeatureGroupStatus !== 'Created') throw usageError(`${name} is ${group.FeatureGroupStatus}, not Created.`, 'Wait until it is Created.');
		let onlineCount = 0;
		if (online) for await (const page of store.listRecordIdentifiers(name, {includeSoftDeleted: true})) onlineCount += page.length;
		const offlineRows = offline ? await store.countOffline(name, {mode: 'history'}) : 0;
		const what = [
			online ? `${count(onlineCount)} online record${onlineCount === 1 ? '' : 's'}` : undefined,
			offline ? `${count(offlineRows)} offline row${offlineRows === 1 ? '' : 's'} (${group.OfflineStoreConfig!.S3StorageConfig.ResolvedOutputS3Uri})` : undefined,
		].filter(Boolean).join(' and ');
		context.note(`${name} in ${describeStore(store)}: ${what}`);
		if (flags.dryRun) {
			if (flags.json) context.json({FeatureGroupName: name, dryRun: true, onlineRecords: onlineCount, offlineRows});
			context.note(`${style.cyan('Dry-run')}: nothing was deleted.`);
			return;
		}

		await confirmByTyping(context, name, `Clearing ${name}`, `it deletes ${what}`);
		const deleted = online ? await clearOnline(store, group) : 0;
		const objects = offline ? await clearOffline(store, group) : 0;
		if (flags.json) context.json({FeatureGroupName: name, onlineRecordsDeleted: deleted, offlineRowsDeleted: offlineRows, offlineObjectsDeleted: objects});
		context.note(`${context.errStyle.green('✔')} Cleared ${name}: ${[online ? `${count(deleted)} online records deleted` : '', offline ? `${count(offlineRows)} offline rows (${count(objects)} files) deleted` : ''].filter(Boolean).join(', ')}`);
	},
});
