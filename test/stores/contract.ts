/**
 * The store contract: docs/service.md's rules for feature groups, records and the
 * offline store, written against the port so every adapter runs the same
 * suite (the embedded store directly, the sagemaker adapter through the
 * emulator).
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {CreateFeatureGroupInput, FeatureDefinition, FsRecord} from '../../source/core/types.js';
import type {OfflineBatch, OfflineQuery, Store} from '../../source/stores/store.js';

export interface StoreUnderTest {
	store: Store;
	/** Make offline writes visible to reads, where the store lags (no-op if it does not). */
	settle?(): Promise<void>;
	cleanup(): Promise<void>;
}

let counter = 0;
export const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

export const features: FeatureDefinition[] = [
	{FeatureName: 'id', FeatureType: 'String'},
	{FeatureName: 'event_time', FeatureType: 'String'},
	{FeatureName: 'n', FeatureType: 'Integral'},
	{FeatureName: 'x', FeatureType: 'Fractional'},
	{FeatureName: 'label', FeatureType: 'String'},
];

export function groupInput(name: string, overrides: Partial<CreateFeatureGroupInput> = {}): CreateFeatureGroupInput {
	return {
		FeatureGroupName: name,
		RecordIdentifierFeatureName: 'id',
		EventTimeFeatureName: 'event_time',
		FeatureDefinitions: features,
		OnlineStoreConfig: {EnableOnlineStore: true},
		OfflineStoreConfig: {S3StorageConfig: {S3Uri: 's3://contract-bucket/fs'}},
		RoleArn: 'arn:aws:iam::000000000000:role/contract',
		...overrides,
	};
}

export const at = (second: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, second)).toISOString().replace('.000Z', 'Z');

export function rec(id: string, second: number, extra: Partial<Record<'n' | 'x' | 'label', string>> = {}): FsRecord {
	return {id, event_time: at(second), n: '1', ...extra};
}

/** All rows of a query as objects (test sizes only). */
export async function rows(store: Store, name: string, query: OfflineQuery): Promise<Array<Record<string, unknown>>> {
	const out: Array<Record<string, unknown>> = [];
	for await (const batch of store.readOffline(name, query)) out.push(...objects(batch));
	return out;
}

function objects(batch: OfflineBatch) {
	const out: Array<Record<string, unknown>> = [];
	for (let row = 0; row < batch.length; row++) {
		const object: Record<string, unknown> = {};
		for (const [c, name] of batch.names.entries()) object[name] = batch.columns[c]![row];
		out.push(object);
	}

	return out;
}

export function storeContract(label: string, make: () => Promise<StoreUnderTest>) {
	describe(`store contract: ${label}`, () => {
		let subject: StoreUnderTest;
		let store: Store;
		const settle = async () => subject.settle?.();
		const put = async (name: string, ...records: FsRecord[]) => {
			const result = await store.batchWrite(records.map(record => ({FeatureGroupName: name, Record: record})));
			expect(result.unprocessed).toEqual([]);
			return result;
		};

		const created = async (overrides: Partial<CreateFeatureGroupInput> = {}, prefix = 'g') => {
			const name = uniqueName(prefix);
			await store.createFeatureGroup(groupInput(name, overrides));
			for (let i = 0; i < 200; i++) {
				if ((await store.describeFeatureGroup(name)).FeatureGroupStatus === 'Created') return name;
				await new Promise(resolve => setTimeout(resolve, 25));
			}

			throw new Error(`${name} never became Created`);
		};

		beforeAll(async () => {
			subject = await make();
			store = subject.store;
		});
		afterAll(async () => subject?.cleanup());

		describe('feature groups', () => {
			it('creates, describes and lists a group with generated catalog and S3 location', async () => {
				const name = await created();
				const group = await store.describeFeatureGroup(name);
				expect(group.FeatureGroupArn).toMatch(new RegExp(`^arn:aws:sagemaker:[a-z0-9-]+:\\d{12}:feature-group/${name.toLowerCase()}$`));
				expect(group.FeatureDefinitions).toEqual(features);
				expect(group.OfflineStoreConfig?.DataCatalogConfig?.Database).toBe('sagemaker_featurestore');
				expect(group.OfflineStoreConfig?.DataCatalogConfig?.TableName).toMatch(new RegExp(`^${name.toLowerCase().replaceAll('-', '_')}_\\d+$`));
				expect(group.OfflineStoreConfig?.S3StorageConfig.ResolvedOutputS3Uri).toMatch(new RegExp(`^s3://contract-bucket/fs/\\d{12}/sagemaker/[a-z0-9-]+/offline-store/${name}-\\d+/data$`));
				expect(group.OfflineStoreConfig?.TableFormat).toBe('Glue');
				expect(group.OfflineStoreStatus?.Status).toBe('Active');
				expect((await store.listFeatureGroups()).map(g => g.FeatureGroupName)).toContain(name);
			});

			it('refuses a duplicate name, invalid names and reserved feature names', async () => {
				const name = await created();
				await expect(store.createFeatureGroup(groupInput(name))).rejects.toMatchObject({code: 'ResourceInUse'});
				await expect(store.createFeatureGroup(groupInput('bad name'))).rejects.toThrow(/Invalid feature group name/);
				await expect(store.createFeatureGroup(groupInput(uniqueName('r'), {FeatureDefinitions: [...features, {FeatureName: 'is_deleted', FeatureType: 'String'}]}))).rejects.toThrow(/reserved/);
			});

			it('says which group does not exist', async () => {
				await expect(store.describeFeatureGroup('no-such-group-anywhere')).rejects.toMatchObject({code: 'ResourceNotFound'});
			});
		});

		describe('records', () => {
			it('keeps the later record online and every record offline (event-time rule)', async () => {
				const name = await created();
				await put(name, rec('a', 10, {label: 'ten'}));
				await put(name, rec('a', 5, {label: 'five'})); // Historic: offline only.
				await put(name, rec('a', 10, {label: 'ten again'})); // Not later: offline only.
				expect(await store.getRecord(name, 'a')).toMatchObject({label: 'ten'});
				await put(name, rec('a', 20, {label: 'twenty'}));
				expect(await store.getRecord(name, 'a')).toMatchObject({label: 'twenty'});
				await settle();
				const history = await rows(store, name, {mode: 'history', columns: ['id', 'label']});
				expect(history.map(row => row['label'])).toEqual(['five', 'ten', 'ten again', 'twenty']);
			});

			it('a put is a full overwrite of the record', async () => {
				const name = await created();
				await put(name, rec('a', 1, {label: 'x', x: '1.5'}));
				await put(name, rec('a', 2));
				expect(await store.getRecord(name, 'a')).toEqual({id: 'a', event_time: at(2), n: '1'});
			});

			it('keeps Integral values exact and returns empty for an absent record', async () => {
				const name = await created();
				await put(name, rec('big', 1, {n: '9223372036854775807'}), rec('small', 1, {n: '-9223372036854775808'}));
				expect((await store.getRecord(name, 'big'))?.['n']).toBe('9223372036854775807');
				expect((await store.getRecord(name, 'small'))?.['n']).toBe('-9223372036854775808');
				expect(await store.getRecord(name, 'nobody')).toBeUndefined();
				await settle();
				const offline = await rows(store, name, {mode: 'snapshot', columns: ['id', 'n']});
				expect(offline).toEqual([{id: 'big', n: '9223372036854775807'}, {id: 'small', n: '-9223372036854775808'}]);
			});

			it('reports per-entry errors and writes the good entries of the same batch', async () => {
				const name = await created();
				const result = await store.batchWrite([
					{FeatureGroupName: name, Record: rec('ok', 1)},
					{FeatureGroupName: name, Record: {...rec('bad-type', 1), n: 'abc'}},
					{FeatureGroupName: name, Record: {...rec('unknown', 1), nope: 'x'}},
					{FeatureGroupName: name, Record: {id: 'no-time'}},
					{FeatureGroupName: name, Record: {event_time: at(1)}},
					{FeatureGroupName: name, Record: {...rec('bad-time', 1), event_time: '2024-01-01'}},
					{FeatureGroupName: 'no-such-group-anywhere', Record: rec('x', 1)},
				]);
				expect(result.errors.map(error => [error.index, error.ErrorCode])).toEqual([
					[1, 'ValidationError'], [2, 'ValidationError'], [3, 'ValidationError'], [4, 'ValidationError'], [5, 'ValidationError'], [6, 'ResourceNotFound'],
				]);
				expect(await store.getRecord(name, 'ok')).toBeDefined();
				expect(await store.getRecord(name, 'bad-type')).toBeUndefined();
			});

			it('takes at most limits.batchWrite entries a call', async () => {
				const name = await created();
				const many = Array.from({length: store.limits.batchWrite + 1}, (_, i) => ({FeatureGroupName: name, Record: rec(`r${i}`, 1)}));
				await expect(store.batchWrite(many)).rejects.toThrow(/BatchWriteRecord takes 1 to/);
				await expect(store.batchWrite([])).rejects.toThrow(/BatchWriteRecord takes 1 to/);
				const result = await store.batchWrite(many.slice(0, store.limits.batchWrite));
				expect(result.errors).toEqual([]);
			});

			it('refuses writes to a group that is not Created', async () => {
				if (!('createFeatureGroup' in store)) return;
				const name = uniqueName('creating');
				await (store as Store & {createFeatureGroup(input: CreateFeatureGroupInput, readyAfterMs?: number): Promise<unknown>}).createFeatureGroup(groupInput(name), Infinity);
				if ((await store.describeFeatureGroup(name)).FeatureGroupStatus === 'Created') return; // Adapter cannot hold a group in Creating.
				const result = await store.batchWrite([{FeatureGroupName: name, Record: rec('a', 1)}]);
				expect(result.errors[0]?.ErrorMessage).toMatch(/Creating/);
			});

			it('batch-gets up to limits.batchGet identifiers', async () => {
				const name = await created();
				await put(name, rec('a', 1), rec('b', 1));
				const result = await store.batchGet(name, ['a', 'b', 'missing']);
				expect(result.records.map(record => record.RecordIdentifier).sort()).toEqual(['a', 'b']);
				await expect(store.batchGet(name, Array.from({length: store.limits.batchGet + 1}, (_, i) => `x${i}`))).rejects.toThrow(/BatchGetRecord takes/);
			});

			it('lists online identifiers page by page (ListRecords), soft-deleted only when asked', async () => {
				const name = await created();
				const ids = Array.from({length: 23}, (_, i) => `id${String(i).padStart(2, '0')}`);
				await put(name, ...ids.map(id => rec(id, 1)));
				const pages: string[][] = [];
				for await (const page of store.listRecordIdentifiers(name, {pageSize: 10})) pages.push(page);
				expect(pages.flat().sort()).toEqual(ids);
				expect(pages.every(page => page.length <= 10)).toBe(true);
				// A caller may take a page apart (the emulator's paging does): the listing goes on.
				const taken: string[] = [];
				for await (const page of store.listRecordIdentifiers(name, {pageSize: 10})) taken.push(...page.splice(0));
				expect(taken.sort()).toEqual(ids);
				await store.deleteRecord({FeatureGroupName: name, RecordIdentifier: 'id00', EventTime: at(5)});
				const live: string[] = [];
				for await (const page of store.listRecordIdentifiers(name)) live.push(...page);
				expect(live).not.toContain('id00');
				const all: string[] = [];
				for await (const page of store.listRecordIdentifiers(name, {includeSoftDeleted: true})) all.push(...page);
				expect(all).toContain('id00');
			});

			it('SoftDelete hides the record and appends an offline delete marker', async () => {
				const name = await created();
				await put(name, rec('a', 10));
				await store.deleteRecord({FeatureGroupName: name, RecordIdentifier: 'a', EventTime: at(20)});
				expect(await store.getRecord(name, 'a')).toBeUndefined();
				await settle();
				const history = await rows(store, name, {mode: 'history', includeMetadata: true, columns: ['id', 'event_time', 'n']});
				expect(history.map(row => [row['event_time'], row['is_deleted'], row['n']])).toEqual([[at(10), 'false', '1'], [at(20), 'true', null]]);
				expect(await rows(store, name, {mode: 'snapshot'})).toEqual([]);
				// A later put brings it back; an earlier one stays history.
				await put(name, rec('a', 15, {label: 'older'}));
				expect(await store.getRecord(name, 'a')).toBeUndefined();
				await put(name, rec('a', 30, {label: 'back'}));
				expect(await store.getRecord(name, 'a')).toMatchObject({label: 'back'});
			});

			it('a SoftDelete not later than the record leaves it online; such a HardDelete fails', async () => {
				const name = await created();
				await put(name, rec('a', 10));
				await store.deleteRecord({FeatureGroupName: name, RecordIdentifier: 'a', EventTime: at(5)});
				expect(await store.getRecord(name, 'a')).toBeDefined();
				await expect(store.deleteRecord({FeatureGroupName: name, RecordIdentifier: 'a', EventTime: at(10), DeletionMode: 'HardDelete'})).rejects.toThrow(/not later/);
				expect(await store.getRecord(name, 'a')).toBeDefined();
			});

			it('HardDelete removes the record; a later put of an older event time comes back online', async () => {
				const name = await created();
				await put(name, rec('a', 10));
				await store.deleteRecord({FeatureGroupName: name, RecordIdentifier: 'a', EventTime: at(20), DeletionMode: 'HardDelete'});
				expect(await store.getRecord(name, 'a')).toBeUndefined();
				const all: string[] = [];
				for await (const page of store.listRecordIdentifiers(name, {includeSoftDeleted: true})) all.push(...page);
				expect(all).not.toContain('a');
				await put(name, rec('a', 1, {label: 'old but alone'}));
				expect(await store.getRecord(name, 'a')).toMatchObject({label: 'old but alone'});
			});

			it('TargetStores=OnlineStore deletes leave no offline marker', async () => {
				const name = await created();
				await put(name, rec('a', 10));
				await store.deleteRecord({FeatureGroupName: name, RecordIdentifier: 'a', EventTime: at(20), DeletionMode: 'HardDelete', TargetStores: ['OnlineStore']});
				await settle();
				const history = await rows(store, name, {mode: 'history', includeMetadata: true});
				expect(history.map(row => row['is_deleted'])).toEqual(['false']);
			});

			it('DeleteRecord needs a well-formed EventTime', async () => {
				const name = await created();
				await expect(store.deleteRecord({FeatureGroupName: name, RecordIdentifier: 'a', EventTime: 'now'})).rejects.toThrow(/event time/i);
			});

			it('expires records after their TTL', async () => {
				const name = await created({OnlineStoreConfig: {EnableOnlineStore: true, TtlDuration: {Unit: 'Hours', Value: 1}}});
				const recent = new Date(Date.now() - 60_000).toISOString();
				const old = new Date(Date.now() - 2 * 3_600_000).toISOString();
				await put(name, {id: 'fresh', event_time: recent}, {id: 'stale', event_time: old});
				expect(await store.getRecord(name, 'fresh')).toBeDefined();
				expect(await store.getRecord(name, 'stale')).toBeUndefined();
				const listed: string[] = [];
				for await (const page of store.listRecordIdentifiers(name)) listed.push(...page);
				expect(listed).toEqual(['fresh']);
				// The expired record no longer blocks an older put.
				await put(name, {id: 'stale', event_time: new Date(Date.now() - 30_000).toISOString(), label: 'again'});
				expect(await store.getRecord(name, 'stale')).toMatchObject({label: 'again'});
			});

			it('an offline-only group takes puts into the offline store', async () => {
				const name = await created({OnlineStoreConfig: undefined});
				await put(name, rec('a', 1), rec('a', 2));
				await expect(store.getRecord(name, 'a')).rejects.toThrow(/no online store/);
				await settle();
				expect(await store.countOffline(name, {mode: 'history'})).toBe(2);
			});

			it('an online-only group has no offline table', async () => {
				const name = await created({OfflineStoreConfig: undefined});
				await put(name, rec('a', 1));
				expect(await store.getRecord(name, 'a')).toBeDefined();
				await expect(store.countOffline(name, {mode: 'history'})).rejects.toMatchObject({code: 'TableNotFound'});
			});
		});

		describe('offline store', () => {
			let name: string;
			beforeAll(async () => {
				name = await created({}, 'offline');
				// c: three versions; b: deleted after two; a: one; written out of order.
				await put(name, rec('c', 30, {label: 'c30', x: '0.5'}), rec('a', 5, {label: 'a5'}), rec('c', 10, {label: 'c10'}));
				await put(name, rec('b', 1, {label: 'b1'}), rec('c', 20, {label: 'c20'}), rec('b', 2, {label: 'b2'}));
				await store.deleteRecord({FeatureGroupName: name, RecordIdentifier: 'b', EventTime: at(3)});
				await settle();
			});

			it('history: every row, ordered by record identifier then event time, delete markers included', async () => {
				const history = await rows(store, name, {mode: 'history', includeMetadata: true, columns: ['id', 'label']});
				expect(history.map(row => `${row['id']}:${row['label'] ?? (row['is_deleted'] === 'true' ? 'deleted' : '?')}`)).toEqual(['a:a5', 'b:b1', 'b:b2', 'b:deleted', 'c:c10', 'c:c20', 'c:c30']);
				for (const row of history) {
					expect(row['write_time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
					expect(row['api_invocation_time']).toMatch(/^\d{4}-\d\d-\d\dT/);
				}
			});

			it('snapshot: the latest non-deleted row per identifier', async () => {
				const snapshot = await rows(store, name, {mode: 'snapshot', columns: ['id', 'label', 'x']});
				expect(snapshot).toEqual([{id: 'a', label: 'a5', x: null}, {id: 'c', label: 'c30', x: '0.5'}]);
				expect(await store.countOffline(name, {mode: 'snapshot'})).toBe(2);
				expect(await store.countOffline(name, {mode: 'history'})).toBe(7);
			});

			it('never returns the metadata columns as features unless asked', async () => {
				const [first] = await rows(store, name, {mode: 'history', limit: 1});
				expect(Object.keys(first!)).toEqual(features.map(feature => feature.FeatureName));
			});

			it('applies an Athena WHERE with Presto functions, columns and limit', async () => {
				const where = async (condition: string, mode: 'history' | 'snapshot' = 'history') =>
					(await rows(store, name, {mode, where: condition, columns: ['label']})).map(row => row['label']);
				expect(await where('id IN (\'a\', \'c\')')).toEqual(['a5', 'c10', 'c20', 'c30']);
				expect(await where('from_iso8601_timestamp(event_time) > from_iso8601_timestamp(\'2024-01-01T00:00:15Z\')')).toEqual(['c20', 'c30']);
				expect(await where('to_unixtime(from_iso8601_timestamp(event_time)) <= 1704067202')).toEqual(['b1', 'b2']);
				expect(await where('from_iso8601_timestamp(event_time) < from_unixtime(1704067206)')).toEqual(['a5', 'b1', 'b2', null]);
				expect(await where('date_parse(substr(event_time, 1, 19), \'%Y-%m-%dT%H:%i:%s\') = timestamp \'2024-01-01 00:00:10\'')).toEqual(['c10']);
				expect(await where('from_iso8601_timestamp(event_time) < current_date - interval \'30\' day AND NOT is_deleted')).toHaveLength(6);
				// Snapshot filters before picking the latest row, as the Athena query does:
				// here that drops c30 (c20 is latest) and b's marker (label is NULL), so b2 is latest.
				expect(await where('label <> \'c30\'', 'snapshot')).toEqual(['a5', 'b2', 'c20']);
				expect(await rows(store, name, {mode: 'history', limit: 2, columns: ['label']})).toEqual([{label: 'a5'}, {label: 'b1'}]);
				expect(await store.countOffline(name, {mode: 'history', where: 'id = \'c\''})).toBe(3);
			});

			it('explains a varchar event time compared with a timestamp', async () => {
				await expect(store.countOffline(name, {mode: 'history', where: 'event_time > current_date - interval \'30\' day'})).rejects.toMatchObject({
					remedy: expect.stringContaining('from_iso8601_timestamp(event_time)'),
				});
			});

			it('refuses unknown columns with the list of features', async () => {
				await expect(rows(store, name, {mode: 'history', columns: ['nope']})).rejects.toThrow(/no feature "nope"/);
			});

			it('clears only this group\'s own offline data', async () => {
				const mine = await created({}, 'mine');
				const neighbour = await created({}, 'neighbour'); // Same S3Uri.
				await put(mine, rec('a', 1));
				await put(neighbour, rec('a', 1));
				await settle();
				expect(await store.clearOfflineStore(mine)).toBeGreaterThan(0);
				expect(await store.countOffline(mine, {mode: 'history'})).toBe(0);
				expect(await store.countOffline(neighbour, {mode: 'history'})).toBe(1);
				expect(await store.getRecord(mine, 'a')).toBeDefined(); // Online untouched.
			});

			it('reads an empty offline store as no rows', async () => {
				const empty = await created({}, 'empty');
				expect(await rows(store, empty, {mode: 'history'})).toEqual([]);
				expect(await store.countOffline(empty, {mode: 'snapshot'})).toBe(0);
			});
		});
	});
}
