/** What the bulk-load tests share: a group of five features, and loading a snapshot's ranges in pieces. */
import type {FeatureDefinition} from '../../source/core/types.js';
import type {LocalStore} from '../../source/stores/local/index.js';
import type {SnapshotRange} from '../../source/stores/store.js';

export const bulkFeatures: FeatureDefinition[] = [
	{FeatureName: 'id', FeatureType: 'String'},
	{FeatureName: 'event_time', FeatureType: 'String'},
	{FeatureName: 'n', FeatureType: 'Integral'},
	{FeatureName: 'x', FeatureType: 'Fractional'},
	{FeatureName: 'label', FeatureType: 'String'},
];

/** Every feature from the source column of its name. */
export const sameColumns = Object.fromEntries(bulkFeatures.map(feature => [feature.FeatureName, feature.FeatureName]));

export function bulkGroup(name: string, bucket: string) {
	return {
		FeatureGroupName: name, RecordIdentifierFeatureName: 'id', EventTimeFeatureName: 'event_time', FeatureDefinitions: bulkFeatures,
		OnlineStoreConfig: {EnableOnlineStore: true}, OfflineStoreConfig: {S3StorageConfig: {S3Uri: `s3://${bucket}/fs`}},
	};
}

/** Bulk-load every range into `target`, `limit` rows a load; returns the rows loaded. */
export async function loadRanges(store: LocalStore, target: string, ranges: SnapshotRange[], limit: number): Promise<number> {
	let loaded = 0;
	for (const range of ranges) {
		let done = 0;
		for (;;) {
			const result = await store.bulkLoad({FeatureGroupName: target, file: range.file, partition: range, skip: done, limit, columns: sameColumns, deletedColumn: 'is_deleted'});
			if (!result.ok) throw new Error(result.reason);
			done += result.rows;
			loaded += result.rows;
			if (done >= result.total) break;
		}
	}

	return loaded;
}
