/**
 * Test setup through the embedded store's own API, in the test's process:
 * groups and rows a test starts from, without an `fs create` or `fs bulk-put`
 * process each (those commands have their own tests).
 */
import {putRecords} from '../../source/engine/write.js';
import type {FeatureDefinition, FsRecord} from '../../source/core/types.js';
import {LocalStore} from '../../source/stores/local/index.js';

export interface GroupSetup {
	features: FeatureDefinition[];
	/** Default: both stores, as `fs create` makes them. */
	online?: boolean;
	offline?: boolean;
	recordIdentifier?: string;
	eventTime?: string;
}

async function withStore<T>(dir: string, use: (store: LocalStore) => Promise<T>): Promise<T> {
	const store = new LocalStore(dir, {batchWriteLimit: 1000});
	try {
		return await use(store);
	} finally {
		await store.close();
	}
}

/** A Created group, as `fs create NAME --schema-file …` leaves it. */
export async function createGroup(dir: string, name: string, setup: GroupSetup): Promise<void> {
	await withStore(dir, async store => {
		const defaults = store.info.createDefaults!;
		await store.createFeatureGroup({
			FeatureGroupName: name,
			RecordIdentifierFeatureName: setup.recordIdentifier ?? 'id',
			EventTimeFeatureName: setup.eventTime ?? 'event_time',
			FeatureDefinitions: setup.features,
			...(setup.online === false ? {} : {OnlineStoreConfig: {EnableOnlineStore: true}}),
			...(setup.offline === false ? {} : {OfflineStoreConfig: {S3StorageConfig: {S3Uri: defaults.s3Uri}}, RoleArn: defaults.roleArn}),
		}, 0);
	});
}

/** Records put as `fs bulk-put` puts them (PutRecord semantics, in order); any refused is the test's error. */
export async function putRows(dir: string, name: string, records: Iterable<FsRecord>): Promise<void> {
	await withStore(dir, async store => {
		let batch: FsRecord[] = [];
		const flush = async () => {
			const failed = await putRecords(store, name, batch);
			if (failed.length > 0) throw new Error(`setup: ${name} refused a record: ${failed[0]!.errorMessage}`);
			batch = [];
		};

		for (const record of records) {
			batch.push(record);
			if (batch.length === 10_000) await flush();
		}

		if (batch.length > 0) await flush();
	});
}
