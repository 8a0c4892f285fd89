/**
 * Clearing a feature group's own data through the store port. Online: every
 * identifier from ListRecords gets a HardDelete with TargetStores=OnlineStore,
 * so no delete markers reappear offline. Offline: only the group's own data
 * location. Used by `fs clear` and `fs migrate --clear-target`.
 */
import {formatEventTime} from '../core/values.js';
import {featureOf, hasOfflineStore, hasOnlineStore, type FeatureGroup} from '../core/types.js';
import type {Store} from '../stores/store.js';

export interface ClearCounts {
	onlineRecords: number;
	offlineObjects: number;
}

export async function clearOnline(store: Store, group: FeatureGroup, onProgress?: (deleted: number) => void): Promise<number> {
	if (!hasOnlineStore(group)) return 0;
	const name = group.FeatureGroupName;
	const eventType = featureOf(group, group.EventTimeFeatureName)!.FeatureType;
	let deleted = 0;
	// Collect the identifiers first: deleting while paging would shift the pages.
	const ids: string[] = [];
	for await (const page of store.listRecordIdentifiers(name, {includeSoftDeleted: true})) ids.push(...page);
	for (const id of ids) {
		await deleteOnline(store, group, id, eventType);
		deleted++;
		if (deleted % 1000 === 0) onProgress?.(deleted);
	}

	return deleted;
}

async function deleteOnline(store: Store, group: FeatureGroup, id: string, eventType: 'Integral' | 'Fractional' | 'String') {
	// A HardDelete must be later than the stored record: now, or just after a
	// record stamped in the future.
	let time = Date.now();
	const stored = await store.getRecord(group.FeatureGroupName, id, [group.EventTimeFeatureName]).catch(() => undefined);
	const storedTime = stored?.[group.EventTimeFeatureName];
	if (typeof storedTime === 'string') {
		const millis = eventType === 'Fractional' ? Number(storedTime) * 1000 : Date.parse(storedTime);
		if (Number.isFinite(millis) && millis >= time) time = millis + 1000;
	}

	await store.deleteRecord({
		FeatureGroupName: group.FeatureGroupName,
		RecordIdentifier: id,
		EventTime: formatEventTime(eventType === 'Fractional' ? 'Fractional' : 'String', time),
		DeletionMode: 'HardDelete',
		TargetStores: ['OnlineStore'],
	});
}

export async function clearOffline(store: Store, group: FeatureGroup): Promise<number> {
	if (!hasOfflineStore(group)) return 0;
	return store.clearOfflineStore(group.FeatureGroupName);
}
