/**
 * The sagemaker adapter's own parts, without a service: the Athena result
 * CSV reader, the SQL it sends, error mapping, matching returned batch
 * entries, and the local Parquet snapshot.
 */
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {Readable} from 'node:stream';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {FeatureGroup} from '../../source/core/types.js';
import {isRetryable} from '../../source/engine/write.js';
import {queryFailure} from '../../source/stores/sagemaker/athena.js';
import {EntryMatcher, toFeatureValues} from '../../source/stores/sagemaker/convert.js';
import {isoTimestamp, listValue, readAthenaCsv, type ResultColumn} from '../../source/stores/sagemaker/csv.js';
import {awsError} from '../../source/stores/sagemaker/errors.js';
import {SageMakerStore} from '../../source/stores/sagemaker/index.js';
import {buildQuery} from '../../source/stores/sagemaker/offline.js';
import {SnapshotFiles} from '../../source/stores/sagemaker/snapshot.js';
import type {OfflineBatch} from '../../source/stores/store.js';
import {tempDir} from '../helpers/temp.js';

const columns: ResultColumn[] = [
	{name: 'id', kind: 'string'},
	{name: 'label', kind: 'string'},
	{name: 'x', kind: 'fractional'},
	{name: 'write_time', kind: 'timestamp'},
	{name: 'is_deleted', kind: 'boolean'},
];

async function read(csv: string, wanted = columns, batchSize = 1000): Promise<OfflineBatch[]> {
	const batches: OfflineBatch[] = [];
	for await (const batch of readAthenaCsv(Readable.from([Buffer.from(csv)]), wanted, batchSize)) batches.push(batch);
	return batches;
}

const rowsOf = (batches: OfflineBatch[]) => batches.flatMap(batch => Array.from({length: batch.length}, (_, row) => batch.columns.map(column => column[row])));

describe('Athena result CSV', () => {
	it('keeps commas, quotes, newlines and empty strings, and reads an unquoted empty field as NULL', async () => {
		const csv = [
			'"id","label","x","write_time","is_deleted"',
			'"a","one, two","1.5","2024-01-01 00:00:00.000","false"',
			'"b","say ""hi""",,"2024-01-01 00:00:01.250","true"',
			'"c","line\nbreak\r\nand more","1.0E10","2024-01-01 00:00:02","false"',
			'"d","","-0.0","2024-01-01 00:00:03.5","false"',
			'"e",,"NaN","2024-01-01 00:00:04.000","false"',
			'',
		].join('\n');
		expect(rowsOf(await read(csv))).toEqual([
			['a', 'one, two', '1.5', '2024-01-01T00:00:00.000Z', 'false'],
			['b', 'say "hi"', null, '2024-01-01T00:00:01.250Z', 'true'],
			['c', 'line\nbreak\r\nand more', '10000000000', '2024-01-01T00:00:02.000Z', 'false'],
			['d', '', '0', '2024-01-01T00:00:03.500Z', 'false'],
			['e', null, 'NaN', '2024-01-01T00:00:04.000Z', 'false'],
		]);
	});

	it('maps columns by header name (any order, any case), never by position', async () => {
		const csv = '"label","ID"\n"x","1"\n';
		const batches = await read(csv, [{name: 'id', kind: 'string'}, {name: 'label', kind: 'string'}]);
		expect(batches[0]!.names).toEqual(['id', 'label']);
		expect(rowsOf(batches)).toEqual([['1', 'x']]);
		await expect(read(csv, [{name: 'nope', kind: 'string'}])).rejects.toThrow(/no column "nope"/);
	});

	it.each([0, 1, 999, 1000, 1001, 2001])('reads exactly %i rows across batch edges', async count => {
		const lines = ['"id","n"', ...Array.from({length: count}, (_, i) => `"id${i}","${i}"`)];
		const batches = await read(`${lines.join('\n')}\n`, [{name: 'id', kind: 'string'}, {name: 'n', kind: 'integral'}], 1000);
		const rows = rowsOf(batches);
		expect(rows).toHaveLength(count);
		expect(rows.map(row => row[1])).toEqual(Array.from({length: count}, (_, i) => String(i)));
		expect(batches.every(batch => batch.length <= 1000)).toBe(true);
	});

	it('reads arrays as JSON text exactly, and Presto array text as best it can', () => {
		expect(listValue('["a, b","c\\"d"]', false)).toEqual(['a, b', 'c"d']);
		expect(listValue('[9223372036854775807,1]', false)).toEqual(['9223372036854775807', '1']);
		expect(listValue('[1.0, 2.5]', true)).toEqual(['1', '2.5']);
		expect(listValue('[a, b]', false)).toEqual(['a', 'b']);
		expect(listValue('[]', false)).toEqual([]);
	});

	it('writes timestamps as ISO-8601 UTC with milliseconds', () => {
		expect(isoTimestamp('2024-03-04 05:06:07.123456')).toBe('2024-03-04T05:06:07.123Z');
		expect(isoTimestamp('2024-03-04T05:06:07Z')).toBe('2024-03-04T05:06:07.000Z');
		expect(isoTimestamp('2024-03-04 05:06:07.1 UTC')).toBe('2024-03-04T05:06:07.100Z');
	});
});

const group: FeatureGroup = {
	FeatureGroupName: 'customers',
	FeatureGroupArn: 'arn:aws:sagemaker:eu-west-1:123456789012:feature-group/customers',
	RecordIdentifierFeatureName: 'customer_id',
	EventTimeFeatureName: 'event_time',
	FeatureDefinitions: [
		{FeatureName: 'customer_id', FeatureType: 'Integral'},
		{FeatureName: 'event_time', FeatureType: 'String'},
		{FeatureName: 'score', FeatureType: 'Fractional'},
	],
	CreationTime: new Date(0),
	FeatureGroupStatus: 'Created',
	OfflineStoreConfig: {
		S3StorageConfig: {S3Uri: 's3://b/p', ResolvedOutputS3Uri: 's3://b/p/123456789012/sagemaker/eu-west-1/offline-store/customers-1700000000/data'},
		DataCatalogConfig: {Catalog: 'AwsDataCatalog', Database: 'sagemaker_featurestore', TableName: 'customers_1700000000'},
		TableFormat: 'Glue',
	},
};

describe('Athena SQL', () => {
	it('history: every row of the group\'s own table, ordered by identifier and event time as a timestamp', () => {
		const {sql, columns: out} = buildQuery(group, {mode: 'history', includeMetadata: true, where: 'score > 1', limit: 10});
		expect(sql).toBe('SELECT "customer_id", "event_time", "score", "write_time", "api_invocation_time", "is_deleted" FROM "sagemaker_featurestore"."customers_1700000000" WHERE (score > 1) ORDER BY "customer_id", from_iso8601_timestamp("event_time"), "api_invocation_time", "write_time" LIMIT 10');
		expect(out.map(column => column.kind)).toEqual(['integral', 'string', 'fractional', 'timestamp', 'timestamp', 'boolean']);
	});

	it('snapshot: the latest non-deleted row per identifier', () => {
		const {sql} = buildQuery(group, {mode: 'snapshot', columns: ['customer_id']});
		expect(sql).toBe('SELECT "customer_id" FROM (SELECT *, row_number() OVER (PARTITION BY "customer_id" ORDER BY from_iso8601_timestamp("event_time") DESC, "api_invocation_time" DESC, "write_time" DESC) AS "__rn" FROM "sagemaker_featurestore"."customers_1700000000") WHERE "__rn" = 1 AND NOT "is_deleted" ORDER BY "customer_id"');
		expect(buildQuery(group, {mode: 'snapshot'}, true).sql).toMatch(/^SELECT count\(\*\) AS "n" FROM \(SELECT "customer_id" FROM \(SELECT \*, row_number\(\).*AND NOT "is_deleted"\)$/);
	});

	it('a Fractional event time orders as a number; another catalog is named', () => {
		const other = {
			...group,
			FeatureDefinitions: [group.FeatureDefinitions[0]!, {FeatureName: 'event_time', FeatureType: 'Fractional' as const}],
			OfflineStoreConfig: {...group.OfflineStoreConfig!, DataCatalogConfig: {Catalog: 'other', Database: 'db', TableName: 't'}},
		};
		expect(buildQuery(other, {mode: 'history'}).sql).toBe('SELECT "customer_id", "event_time" FROM "other"."db"."t" ORDER BY "customer_id", "event_time", "api_invocation_time", "write_time"');
	});

	it('refuses unknown columns and groups without an Athena table', () => {
		expect(() => buildQuery(group, {mode: 'history', columns: ['nope']})).toThrow(/no feature "nope"/);
		expect(() => buildQuery({...group, OfflineStoreConfig: undefined}, {mode: 'history'})).toThrow(expect.objectContaining({code: 'TableNotFound'}));
		expect(() => buildQuery({...group, OfflineStoreConfig: {S3StorageConfig: {S3Uri: 's3://b/p'}}}, {mode: 'history'})).toThrow(/no Glue table/);
	});

	it('explains Athena\'s refusal of a varchar event time compared with a timestamp', () => {
		const error = queryFailure(
			{State: 'FAILED', AthenaError: {ErrorCategory: 2, ErrorMessage: 'TYPE_MISMATCH: line 1:90: Cannot apply operator: varchar > timestamp(3)'}},
			{catalog: 'AwsDataCatalog', database: 'db', table: 't', group: 'customers', where: 'event_time > current_date', eventTimeFeature: 'event_time'},
			'q-1',
		);
		expect(error).toMatchObject({kind: 'usage', code: 'InvalidRequestException', remedy: expect.stringContaining('from_iso8601_timestamp(event_time)')});
		expect(queryFailure({AthenaError: {ErrorMessage: 'TABLE_NOT_FOUND: Table awsdatacatalog.db.t does not exist'}}, {catalog: 'c', database: 'db', table: 't', group: 'g'}, 'q')).toMatchObject({code: 'TableNotFound'});
		expect(queryFailure({StateChangeReason: 'Insufficient permissions to execute the query. User: x is not authorized to perform: glue:GetTable'}, {catalog: 'c', database: 'db', table: 't', group: 'g'}, 'q').message).toMatch(/glue:GetTable/);
	});
});

describe('AWS errors', () => {
	const call = {action: 'sagemaker:DescribeFeatureGroup', target: 'feature group customers', region: 'eu-west-1'};

	it('names the missing permission on AccessDenied', () => {
		for (const name of ['AccessDeniedException', 'AccessDenied', 'AccessForbidden']) {
			const error = awsError(Object.assign(new Error('User: arn:aws:iam::1:user/x is not authorized'), {name, $metadata: {httpStatusCode: 403}}), call);
			expect(error).toMatchObject({kind: 'usage', code: 'AccessDenied'});
			expect(error.message).toContain('sagemaker:DescribeFeatureGroup');
			expect(error.remedy).toContain('Grant sagemaker:DescribeFeatureGroup');
		}
	});

	it('says how to supply missing credentials and a missing region', () => {
		const credentials = awsError(Object.assign(new Error('Could not load credentials from any providers'), {name: 'CredentialsProviderError'}), {...call, profile: 'prod'});
		expect(credentials).toMatchObject({kind: 'usage', code: 'NoCredentials'});
		expect(credentials.message).toContain('profile prod');
		expect(credentials.remedy).toMatch(/--profile.*AWS_PROFILE.*aws configure/);
		expect(awsError(new Error('Region is missing'), call)).toMatchObject({code: 'NoRegion', message: 'No AWS region: pass --region or set AWS_REGION.'});
	});

	it('keeps what the engine retries on: throttling, 5xx and dropped connections', () => {
		expect(isRetryable(awsError(Object.assign(new Error('Rate exceeded'), {name: 'ThrottlingException', $metadata: {httpStatusCode: 400}}), call))).toBe(true);
		expect(isRetryable(awsError(Object.assign(new Error('boom'), {name: 'InternalFailure', $fault: 'server', $metadata: {httpStatusCode: 500}}), call))).toBe(true);
		expect(isRetryable(awsError(Object.assign(new Error('gateway'), {name: 'Unknown', $metadata: {httpStatusCode: 502}}), call))).toBe(true);
		expect(isRetryable(awsError(Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'}), call))).toBe(true);
		expect(isRetryable(awsError(Object.assign(new Error('bad value'), {name: 'ValidationError', $metadata: {httpStatusCode: 400}}), call))).toBe(false);
	});

	it('a real SDK call refused with AccessDeniedException names the action (over HTTP)', async () => {
		const server: Server = createServer((request, response) => {
			request.resume();
			response.writeHead(400, {'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'AccessDeniedException'});
			response.end(JSON.stringify({__type: 'AccessDeniedException', message: 'User is not authorized to perform: sagemaker:ListFeatureGroups'}));
		});
		await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
		const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		const saved = {...process.env};
		Object.assign(process.env, {AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test'});
		const store = new SageMakerStore({region: 'us-east-1', env: {AWS_ENDPOINT_URL: url}});
		try {
			await expect(store.listFeatureGroups()).rejects.toMatchObject({code: 'AccessDenied', message: expect.stringContaining('sagemaker:ListFeatureGroups')});
		} finally {
			await store.close();
			server.close();
			process.env = saved;
		}
	});

	it('refuses to open without a region', async () => {
		const temp = tempDir();
		const saved = {...process.env};
		for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete process.env[name];
		process.env['AWS_CONFIG_FILE'] = path.join(temp.dir, 'config');
		process.env['AWS_SHARED_CREDENTIALS_FILE'] = path.join(temp.dir, 'credentials');
		try {
			const store = new SageMakerStore({env: {}});
			await expect(store.open()).rejects.toMatchObject({kind: 'usage', code: 'NoRegion', message: 'No AWS region: pass --region or set AWS_REGION.'});
			await store.close();
		} finally {
			process.env = saved;
			temp.remove();
		}
	});
});

describe('BatchWriteRecord entries returned by the service', () => {
	it('are matched by content, in any order and shape, duplicates each once', () => {
		const sent = [
			{FeatureGroupName: 'g', Record: toFeatureValues({id: 'a', t: '1'})},
			{FeatureGroupName: 'g', Record: toFeatureValues({id: 'b', t: '1'}), TargetStores: ['OnlineStore' as const]},
			{FeatureGroupName: 'g', Record: toFeatureValues({id: 'a', t: '1'})},
			{FeatureGroupName: 'h', Record: toFeatureValues({id: 'a', t: '1'})},
		];
		const matcher = new EntryMatcher(sent);
		expect(matcher.match({FeatureGroupName: 'g', Record: [{FeatureName: 't', ValueAsString: '1'}, {FeatureName: 'id', ValueAsString: 'b'}]})).toBe(1);
		expect(matcher.match({FeatureGroupName: 'g', Record: toFeatureValues({id: 'a', t: '1'})})).toBe(0);
		expect(matcher.match({FeatureGroupName: 'g', Record: toFeatureValues({id: 'a', t: '1'})})).toBe(2);
		expect(matcher.match({FeatureGroupName: 'g', Record: toFeatureValues({id: 'a', t: '1'})})).toBeUndefined();
		expect(matcher.match({FeatureGroupName: 'h', Record: toFeatureValues({id: 'a', t: '1'})})).toBe(3);
	});
});

describe('local Parquet snapshot of an Athena result', () => {
	const temp = tempDir();
	const files = new SnapshotFiles();
	const snapshotColumns: ResultColumn[] = [{name: 'id', kind: 'string'}, {name: 'label', kind: 'string'}, {name: 'tags', kind: 'list'}];
	let batches: OfflineBatch[];

	beforeAll(() => {
		const ids = Array.from({length: 5000}, (_, i) => `id${String(i).padStart(5, '0')}`);
		batches = [];
		for (let start = 0; start < ids.length; start += 1500) {
			const slice = ids.slice(start, start + 1500);
			batches.push({
				names: ['id', 'label', 'tags'],
				columns: [slice, slice.map((_, i) => (i % 3 === 0 ? null : i % 3 === 1 ? '' : 'a,"b"\nc')), slice.map((_, i) => (i % 2 ? ['x', ''] : null))],
				length: slice.length,
			});
		}
	});
	afterAll(() => {
		files.close();
		temp.remove();
	});

	async function all(iterable: AsyncIterable<OfflineBatch>) {
		const out: OfflineBatch[] = [];
		for await (const batch of iterable) out.push(batch);
		return rowsOf(out);
	}

	it('keeps every row, in order, with "" and NULL apart, over several parts', async () => {
		const snapshot = await files.write((async function * () {
			yield * batches;
		})(), snapshotColumns, path.join(temp.dir, 'snap'), 2000);
		expect(snapshot.rows).toBe(5000);
		expect(snapshot.files.map(file => path.basename(file))).toEqual(['part-00000.parquet', 'part-00001.parquet']) // Cut at batch edges once 2,000 rows are in.;
		const rows = await all(files.read(snapshot));
		expect(rows).toEqual(rowsOf(batches));
	});

	it('splits into partitions that together are the whole, each in order', async () => {
		const snapshot = await files.write((async function * () {
			yield * batches;
		})(), snapshotColumns, path.join(temp.dir, 'snap2'));
		const parts = await Promise.all([0, 1, 2].map(async index => all(files.read(snapshot, {index, of: 3, column: 'id'}))));
		expect(parts.every(part => part.length > 0)).toBe(true);
		for (const part of parts) expect(part.map(row => row[0])).toEqual([...part.map(row => row[0])].sort());
		expect(parts.flat().map(row => row[0]).sort()).toEqual(rowsOf(batches).map(row => row[0]));
		expect(await all(files.read({kind: 'parquet', files: [], names: ['id'], rows: 0}))).toEqual([]);
	});
});
