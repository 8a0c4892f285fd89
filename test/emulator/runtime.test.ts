/**
 * The Feature Store Runtime through the real client: the service's record
 * rules, batch shapes, paging, typed errors and injected faults.
 */
import path from 'node:path';
import {GetQueryResultsCommand, type QueryExecution} from '@aws-sdk/client-athena';
import {ListObjectsV2Command} from '@aws-sdk/client-s3';
import {CreateFeatureGroupCommand, DescribeFeatureGroupCommand} from '@aws-sdk/client-sagemaker';
import {
	BatchGetRecordCommand, BatchWriteRecordCommand, DeleteRecordCommand, GetRecordCommand, ListRecordsCommand, PutRecordCommand, ResourceNotFound, ValidationError,
} from '@aws-sdk/client-sagemaker-featurestore-runtime';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {at, emulatorUnderTest, groupRequest, runQuery, wire, type EmulatorUnderTest} from './setup.js';
import {openDatabase} from '../../source/stores/local/database.js';

describe('emulator: Feature Store Runtime', () => {
	let subject: EmulatorUnderTest;
	const put = async (id: string, second: number, label?: string) =>
		subject.runtime.send(new PutRecordCommand({FeatureGroupName: 'records', Record: wire({id, event_time: at(second), n: '1', label})}));
	const get = async (id: string, FeatureNames?: string[]) =>
		(await subject.runtime.send(new GetRecordCommand({FeatureGroupName: 'records', RecordIdentifierValueAsString: id, FeatureNames}))).Record;

	beforeAll(async () => {
		subject = await emulatorUnderTest();
		await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest('records')));
	});
	afterAll(async () => subject.stop());

	it('puts and gets records, keeping the later one online (event-time rule)', async () => {
		await put('a', 10, 'ten');
		await put('a', 5, 'five'); // Historic: offline only.
		expect(await get('a')).toEqual(wire({id: 'a', event_time: at(10), n: '1', label: 'ten'}));
		await put('a', 20, 'twenty');
		expect(await get('a', ['label'])).toEqual(wire({label: 'twenty'}));
		// An absent record is an empty answer, not an error.
		expect(await get('never')).toBeUndefined();
	});

	it('carries collection values as ValueAsStringList and 64-bit integers exactly', async () => {
		await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest('lists', {
			FeatureDefinitions: [...groupRequest('lists').FeatureDefinitions, {FeatureName: 'tags', FeatureType: 'String', CollectionType: 'List'}],
			OnlineStoreConfig: {EnableOnlineStore: true, StorageType: 'InMemory'},
			OfflineStoreConfig: undefined,
		})));
		const record = [...wire({id: 'l', event_time: at(1), n: '9223372036854775807'}), {FeatureName: 'tags', ValueAsStringList: ['x', 'y,z', '']}];
		await subject.runtime.send(new PutRecordCommand({FeatureGroupName: 'lists', Record: record}));
		const got = await subject.runtime.send(new GetRecordCommand({FeatureGroupName: 'lists', RecordIdentifierValueAsString: 'l'}));
		expect(got.Record).toEqual(record);
	});

	it('answers with the typed errors the SDK knows', async () => {
		await expect(subject.runtime.send(new GetRecordCommand({FeatureGroupName: 'nobody', RecordIdentifierValueAsString: 'a'}))).rejects.toBeInstanceOf(ResourceNotFound);
		const bad = await subject.runtime.send(new PutRecordCommand({FeatureGroupName: 'records', Record: wire({id: 'b', event_time: 'yesterday'})})).catch((error: unknown) => error);
		expect(bad).toBeInstanceOf(ValidationError);
		expect(bad).toMatchObject({$metadata: {httpStatusCode: 400}, message: expect.stringMatching(/yesterday/)});
		await expect(subject.runtime.send(new PutRecordCommand({FeatureGroupName: 'records', Record: wire({id: 'b', event_time: at(1), nope: '1'})}))).rejects.toBeInstanceOf(ValidationError);
	});

	it('writes batches and reports each refused entry with the entry itself', async () => {
		const entries = Array.from({length: 25}, (_, index) => ({FeatureGroupName: 'records', Record: wire({id: `batch-${index}`, event_time: at(index), n: String(index)})}));
		entries[3] = {FeatureGroupName: 'records', Record: wire({id: 'batch-3', event_time: at(3), n: 'three'})};
		entries[7] = {FeatureGroupName: 'missing-group', Record: wire({id: 'batch-7', event_time: at(7)})};
		const result = await subject.runtime.send(new BatchWriteRecordCommand({Entries: entries}));
		expect(result.UnprocessedEntries).toEqual([]);
		expect(result.Errors).toEqual([
			{Entry: entries[3], ErrorCode: 'ValidationError', ErrorMessage: expect.stringMatching(/three/)},
			{Entry: entries[7], ErrorCode: 'ResourceNotFound', ErrorMessage: expect.any(String)},
		]);
		await expect(subject.runtime.send(new BatchWriteRecordCommand({Entries: [...entries, entries[0]!]}))).rejects.toBeInstanceOf(ValidationError);

		const got = await subject.runtime.send(new BatchGetRecordCommand({Identifiers: [
			{FeatureGroupName: 'records', RecordIdentifiersValueAsString: ['batch-0', 'batch-3', 'batch-24', 'nobody'], FeatureNames: ['id', 'n']},
			{FeatureGroupName: 'missing-group', RecordIdentifiersValueAsString: ['x']},
		]}));
		expect(got.Records).toEqual([
			{FeatureGroupName: 'records', RecordIdentifierValueAsString: 'batch-0', Record: wire({id: 'batch-0', n: '0'})},
			{FeatureGroupName: 'records', RecordIdentifierValueAsString: 'batch-24', Record: wire({id: 'batch-24', n: '24'})},
		]);
		expect(got.Errors).toEqual([{FeatureGroupName: 'missing-group', RecordIdentifierValueAsString: 'x', ErrorCode: 'ResourceNotFound', ErrorMessage: expect.any(String)}]);
		expect(got.UnprocessedIdentifiers).toEqual([]);
	});

	it('lists the online identifiers page by page, and a repeated NextToken gives the same page', async () => {
		await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest('listed')));
		const ids = Array.from({length: 250}, (_, index) => `id-${String(index).padStart(3, '0')}`);
		for (let start = 0; start < ids.length; start += 25) {
			const entries = ids.slice(start, start + 25).map(id => ({FeatureGroupName: 'listed', Record: wire({id, event_time: at(1)})}));
			expect((await subject.runtime.send(new BatchWriteRecordCommand({Entries: entries}))).Errors).toEqual([]);
		}

		await subject.runtime.send(new DeleteRecordCommand({FeatureGroupName: 'listed', RecordIdentifierValueAsString: 'id-007', EventTime: at(2)}));
		const seen: string[] = [];
		let token: string | undefined;
		let pages = 0;
		do {
			const page = await subject.runtime.send(new ListRecordsCommand({FeatureGroupName: 'listed', MaxResults: 100, NextToken: token}));
			if (token) {
				// A client retrying after a lost answer sends the same token again.
				const again = await subject.runtime.send(new ListRecordsCommand({FeatureGroupName: 'listed', MaxResults: 100, NextToken: token}));
				expect(again.RecordIdentifiers).toEqual(page.RecordIdentifiers);
			}

			seen.push(...page.RecordIdentifiers!);
			token = page.NextToken;
			pages++;
		} while (token);
		expect(pages).toBe(3);
		expect(seen).toEqual(ids.filter(id => id !== 'id-007'));
		const withDeleted = await subject.runtime.send(new ListRecordsCommand({FeatureGroupName: 'listed', MaxResults: 1000, IncludeSoftDeletedRecords: true}));
		expect(withDeleted.RecordIdentifiers).toHaveLength(250);
		expect(withDeleted.NextToken).toBeUndefined();
	});

	it('gives ExpiresAt (event time + TTL) when ExpirationTimeResponse is Enabled, and only then', async () => {
		await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest('expiring', {OnlineStoreConfig: {EnableOnlineStore: true, TtlDuration: {Unit: 'Days', Value: 400}}})));
		const eventTime = new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
		await subject.runtime.send(new PutRecordCommand({FeatureGroupName: 'expiring', Record: wire({id: 'e', event_time: eventTime, n: '1'})}));
		const expected = new Date(Date.parse(eventTime) + 400 * 86_400_000).toISOString().replace('.000Z', 'Z');
		const enabled = await subject.runtime.send(new GetRecordCommand({FeatureGroupName: 'expiring', RecordIdentifierValueAsString: 'e', ExpirationTimeResponse: 'Enabled'}));
		expect(enabled.ExpiresAt).toBe(expected);
		expect((await subject.runtime.send(new GetRecordCommand({FeatureGroupName: 'expiring', RecordIdentifierValueAsString: 'e'}))).ExpiresAt).toBeUndefined();
		const batch = await subject.runtime.send(new BatchGetRecordCommand({
			Identifiers: [{FeatureGroupName: 'expiring', RecordIdentifiersValueAsString: ['e']}, {FeatureGroupName: 'records', RecordIdentifiersValueAsString: ['a']}], ExpirationTimeResponse: 'Enabled',
		}));
		expect(batch.Records!.map(record => [record.RecordIdentifierValueAsString, record.ExpiresAt])).toEqual([['e', expected], ['a', undefined]]);
		await expect(subject.runtime.send(new GetRecordCommand({FeatureGroupName: 'expiring', RecordIdentifierValueAsString: 'e', ExpirationTimeResponse: 'Sometimes' as never}))).rejects.toBeInstanceOf(ValidationError);
	});

	it('deletes by the event-time rule: Soft keeps a later record, Hard refuses to delete it', async () => {
		await put('d', 10, 'kept');
		await subject.runtime.send(new DeleteRecordCommand({FeatureGroupName: 'records', RecordIdentifierValueAsString: 'd', EventTime: at(5)}));
		expect(await get('d')).toEqual(wire({id: 'd', event_time: at(10), n: '1', label: 'kept'}));
		await expect(subject.runtime.send(new DeleteRecordCommand({FeatureGroupName: 'records', RecordIdentifierValueAsString: 'd', EventTime: at(5), DeletionMode: 'HardDelete'})))
			.rejects.toBeInstanceOf(ValidationError);
		await subject.runtime.send(new DeleteRecordCommand({FeatureGroupName: 'records', RecordIdentifierValueAsString: 'd', EventTime: at(11), TargetStores: ['OnlineStore'], DeletionMode: 'HardDelete'}));
		expect(await get('d')).toBeUndefined();
		const listed = await subject.runtime.send(new ListRecordsCommand({FeatureGroupName: 'records', IncludeSoftDeletedRecords: true}));
		expect(listed.RecordIdentifiers).not.toContain('d');
		// The event time is required, as in the service.
		await expect(subject.runtime.send(new DeleteRecordCommand({FeatureGroupName: 'records', RecordIdentifierValueAsString: 'a', EventTime: ''}))).rejects.toBeInstanceOf(ValidationError);
	});
});

describe('emulator: a group whose staged offline rows cannot land', () => {
	let subject: EmulatorUnderTest;
	const query = async (sql: string): Promise<QueryExecution> => runQuery(subject, sql, 's3://athena-results/wedged/');

	const tableOf = async (name: string) => (await subject.sagemaker.send(new DescribeFeatureGroupCommand({FeatureGroupName: name}))).OfflineStoreConfig!;

	beforeAll(async () => {
		subject = await emulatorUnderTest();
		for (const name of ['good', 'bad']) await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest(name)));
	});
	afterAll(async () => subject.stop());

	it('refuses text with a lone surrogate: ValidationError, in PutRecord and per entry of BatchWriteRecord', async () => {
		const put = await subject.runtime.send(new PutRecordCommand({FeatureGroupName: 'bad', Record: wire({id: 'a', event_time: at(1), label: 'half \ud800'})})).catch((error: unknown) => error);
		expect(put).toBeInstanceOf(ValidationError);
		expect(put).toMatchObject({$metadata: {httpStatusCode: 400}, message: 'label: "half \\ud800" is not valid Unicode: a lone surrogate at character 6'});
		const entries = [
			{FeatureGroupName: 'bad', Record: wire({id: 'b', event_time: at(1), label: 'whole 😀'})},
			{FeatureGroupName: 'bad', Record: wire({id: '\udc00', event_time: at(1)})},
		];
		const batch = await subject.runtime.send(new BatchWriteRecordCommand({Entries: entries}));
		expect(batch.Errors).toEqual([{Entry: entries[1], ErrorCode: 'ValidationError', ErrorMessage: expect.stringContaining('is not valid Unicode')}]);
		expect((await query(`SELECT id, label FROM "${(await tableOf('bad')).DataCatalogConfig!.TableName}"`)).Status!.State).toBe('SUCCEEDED');
	});

	it('keeps S3 and Athena answering for the other groups, and names the group in its own queries', async () => {
		await subject.runtime.send(new PutRecordCommand({FeatureGroupName: 'good', Record: wire({id: 'g', event_time: at(1), label: 'fine'})}));
		// A row staged by an earlier version that did not check: planted as it would be.
		const db = openDatabase(path.join(subject.dir, 'store.sqlite'));
		db.prepare('INSERT INTO offline_staging (group_name, event_time_ms, write_time_ms, api_time_ms, is_deleted, record) VALUES (?, ?, ?, ?, 0, ?)')
			.run('bad', Date.UTC(2024, 0, 1), Date.now(), Date.now(), JSON.stringify({id: 'c', event_time: at(3), label: '\ud800'}));
		db.close();
		const good = await tableOf('good');
		const [, Bucket, Prefix] = /^s3:\/\/([^/]+)\/(.+)$/.exec(good.S3StorageConfig!.ResolvedOutputS3Uri!)!;
		const listed = await subject.s3.send(new ListObjectsV2Command({Bucket, Prefix}));
		expect(listed.Contents).toHaveLength(1);
		const ok = await query(`SELECT id, label FROM "${good.DataCatalogConfig!.TableName}"`);
		expect(ok.Status!.State).toBe('SUCCEEDED');
		const rows = await subject.athena.send(new GetQueryResultsCommand({QueryExecutionId: ok.QueryExecutionId}));
		expect(rows.ResultSet!.Rows).toHaveLength(2);
		await subject.runtime.send(new PutRecordCommand({FeatureGroupName: 'good', Record: wire({id: 'h', event_time: at(2)})}));

		const failed = await query(`SELECT count(*) FROM "${(await tableOf('bad')).DataCatalogConfig!.TableName}"`);
		expect(failed.Status!.State).toBe('FAILED');
		expect(failed.Status!.StateChangeReason).toMatch(/^GENERIC_INTERNAL_ERROR: bad has 1 staged offline row that cannot be written to Parquet \(seq \d+: label: "\\ud800" is not valid Unicode.*Other feature groups are not affected\. Delete it: sqlite3 /);
	});
});

describe('emulator: injected faults', () => {
	it('throttles every request at rate 1: ThrottlingException after the SDK\'s retries', async () => {
		const subject = await emulatorUnderTest({throttleRate: 1}, 2);
		try {
			const error = await subject.runtime.send(new GetRecordCommand({FeatureGroupName: 'any', RecordIdentifierValueAsString: 'a'})).catch((error_: unknown) => error_);
			expect(error).toMatchObject({name: 'ThrottlingException', $metadata: {httpStatusCode: 400, attempts: 2}});
			await expect(subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest('throttled')))).rejects.toMatchObject({name: 'ThrottlingException'});
		} finally {
			await subject.stop();
		}
	});

	it('adds latency to every request', async () => {
		const subject = await emulatorUnderTest({latencyMs: 150});
		try {
			const started = performance.now();
			await subject.runtime.send(new GetRecordCommand({FeatureGroupName: 'any', RecordIdentifierValueAsString: 'a'})).catch(() => undefined);
			expect(performance.now() - started).toBeGreaterThanOrEqual(145);
		} finally {
			await subject.stop();
		}
	});

	it('answers InternalFailure (500, retried) at error rate 1', async () => {
		const subject = await emulatorUnderTest({errorRate: 1}, 2);
		try {
			const error = await subject.runtime.send(new GetRecordCommand({FeatureGroupName: 'any', RecordIdentifierValueAsString: 'a'})).catch((error_: unknown) => error_);
			expect(error).toMatchObject({name: 'InternalFailure', $fault: 'server', $metadata: {httpStatusCode: 500, attempts: 2}});
		} finally {
			await subject.stop();
		}
	});

	it('leaves a share of batch entries unprocessed and unwritten; sending them again completes the batch', async () => {
		const subject = await emulatorUnderTest({partialRate: 0.4, seed: 3});
		try {
			await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest('partial')));
			let entries = Array.from({length: 25}, (_, index) => ({FeatureGroupName: 'partial', Record: wire({id: `p-${index}`, event_time: at(index)})}));
			const first = await subject.runtime.send(new BatchWriteRecordCommand({Entries: entries}));
			const left = first.UnprocessedEntries!;
			expect(first.Errors).toEqual([]);
			expect(left.length).toBeGreaterThan(0);
			expect(left.length).toBeLessThan(25);
			const leftIds = new Set(left.map(entry => entry.Record!.find(value => value.FeatureName === 'id')!.ValueAsString!));
			const ids = entries.map(entry => entry.Record[0]!.ValueAsString);
			const online = new Set<string>();
			for await (const page of subject.emulator.store.listRecordIdentifiers('partial')) for (const id of page) online.add(id);
			expect([...online].sort()).toEqual(ids.filter(id => !leftIds.has(id)).sort());
			entries = left as typeof entries;
			for (let round = 0; entries.length > 0 && round < 50; round++) {
				entries = (await subject.runtime.send(new BatchWriteRecordCommand({Entries: entries}))).UnprocessedEntries as typeof entries;
			}

			expect(entries).toEqual([]);
			let count = 0;
			for await (const page of subject.emulator.store.listRecordIdentifiers('partial')) count += page.length;
			expect(count).toBe(25);

			// BatchGetRecord leaves identifiers unprocessed the same way: asked again, they come.
			const got = await subject.runtime.send(new BatchGetRecordCommand({Identifiers: [{FeatureGroupName: 'partial', RecordIdentifiersValueAsString: ids, FeatureNames: ['id']}]}));
			const again = got.UnprocessedIdentifiers!;
			expect(again.length).toBe(1);
			expect(again[0]).toMatchObject({FeatureGroupName: 'partial', FeatureNames: ['id']});
			expect(got.Records!.length + again[0]!.RecordIdentifiersValueAsString!.length).toBe(25);
		} finally {
			await subject.stop();
		}
	});
});

describe('emulator: --discard-writes', () => {
	it('acknowledges writes without storing them, and bills the write units a storing emulator bills for the same writes', async () => {
		const [discarding, storing] = [await emulatorUnderTest({discardWrites: true}), await emulatorUnderTest()];
		try {
			for (const subject of [discarding, storing]) {
				await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest('sink')));
				// 'id' 2 + 'event_time' 10 + 'n' 1 + 'label' 5 names, values 2 + 20 + 1 + the label: 51 bytes with 10 characters (one unit), 1,041 with 1,000 (two).
				const entries = Array.from({length: 25}, (_, index) => ({FeatureGroupName: 'sink', Record: wire({id: `d${index % 10}`, event_time: at(index), n: '1', label: 'x'.repeat(10)})}));
				const batch = await subject.runtime.send(new BatchWriteRecordCommand({Entries: entries}));
				expect(batch.Errors).toEqual([]);
				await subject.runtime.send(new PutRecordCommand({FeatureGroupName: 'sink', Record: wire({id: 'p', event_time: at(1), n: '1', label: 'y'.repeat(1000)})}));
				await subject.runtime.send(new DeleteRecordCommand({FeatureGroupName: 'sink', RecordIdentifierValueAsString: 'd1', EventTime: at(30)}));
				// A group that does not exist is still refused.
				await expect(subject.runtime.send(new PutRecordCommand({FeatureGroupName: 'nobody', Record: wire({id: 'a', event_time: at(1)})}))).rejects.toBeInstanceOf(ResourceNotFound);
			}

			expect(discarding.emulator.writes()).toEqual({records: 27, writeUnits: 25 + 2 + 1});
			expect(storing.emulator.writes()).toEqual(discarding.emulator.writes());
			const read = async (subject: EmulatorUnderTest, id: string) => (await subject.runtime.send(new GetRecordCommand({FeatureGroupName: 'sink', RecordIdentifierValueAsString: id}))).Record;
			expect(await read(discarding, 'p')).toBeUndefined();
			expect(await read(storing, 'p')).toBeDefined();
		} finally {
			await discarding.stop();
			await storing.stop();
		}
	});
});
