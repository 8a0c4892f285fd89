/**
 * Athena's writing statements on the emulator, through the real client:
 * UNLOAD into an empty prefix (Hive partitions as directories), INSERT INTO
 * a feature group's table (Glue or Iceberg: the rows read back through the
 * table and the store, laid out by event-time hour), DELETE FROM an Iceberg
 * table (all rows, or those a condition holds for), refused on a Glue table.
 */
import {GetQueryResultsCommand, type QueryExecution} from '@aws-sdk/client-athena';
import {ListObjectsV2Command} from '@aws-sdk/client-s3';
import {CreateFeatureGroupCommand, DescribeFeatureGroupCommand} from '@aws-sdk/client-sagemaker';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {at, emulatorUnderTest, groupRequest, runQuery, type EmulatorUnderTest} from './setup.js';

describe('emulator: Athena UNLOAD, INSERT INTO, DELETE FROM', () => {
	let subject: EmulatorUnderTest;
	const tables: Record<string, string> = {};

	const run = async (sql: string): Promise<QueryExecution> => runQuery(subject, sql, 's3://athena-results/writes/');

	const succeeded = async (sql: string) => {
		const execution = await run(sql);
		expect(execution.Status!.StateChangeReason ?? '', sql).toBe('');
		expect(execution.Status!.State).toBe('SUCCEEDED');
		return execution;
	};

	const rows = async (sql: string) => {
		const execution = await succeeded(sql);
		const page = await subject.athena.send(new GetQueryResultsCommand({QueryExecutionId: execution.QueryExecutionId}));
		return page.ResultSet!.Rows!.slice(1).map(row => row.Data!.map(datum => datum.VarCharValue ?? null));
	};

	beforeAll(async () => {
		subject = await emulatorUnderTest();
		for (const [name, format] of [['source', 'Glue'], ['glue-copy', 'Glue'], ['iceberg-copy', 'Iceberg']] as const) {
			const request = groupRequest(name);
			await subject.sagemaker.send(new CreateFeatureGroupCommand({...request, OfflineStoreConfig: {...request.OfflineStoreConfig!, TableFormat: format}}));
			tables[name] = (await subject.sagemaker.send(new DescribeFeatureGroupCommand({FeatureGroupName: name}))).OfflineStoreConfig!.DataCatalogConfig!.TableName!;
		}

		// Two hours of event times: 3 identifiers, 2 versions each, one version an hour later.
		const records = ['a', 'b', 'c'].flatMap(id => [0, 3600].map(second => ({id, event_time: at(second), n: String(second + id.charCodeAt(0)), label: `${id}@${second}`})));
		const result = await subject.emulator.store.batchWrite(records.map(Record => ({FeatureGroupName: 'source', Record})));
		expect(result.errors).toEqual([]);
	});
	afterAll(async () => subject?.stop());

	it('INSERT INTO a Glue and an Iceberg table: the rows read back through the table and the store, in event-time hour directories', async () => {
		for (const target of ['glue-copy', 'iceberg-copy']) {
			await succeeded(`INSERT INTO "${tables[target]}" SELECT id, event_time, n, x, label, current_timestamp, api_invocation_time, is_deleted FROM "${tables['source']}" WHERE id <> 'c'`);
			expect(await rows(`SELECT id, event_time, n, label, is_deleted FROM "${tables[target]}" ORDER BY id, event_time`)).toEqual([
				['a', at(0), '97', 'a@0', 'false'], ['a', at(3600), '3697', 'a@3600', 'false'],
				['b', at(0), '98', 'b@0', 'false'], ['b', at(3600), '3698', 'b@3600', 'false'],
			]);
			const {dir, files} = subject.emulator.store.offlineFiles(target);
			expect(dir).toBeTruthy();
			expect(files.map(file => file.split('/').slice(0, 4).join('/')).sort()).toEqual(['year=2024/month=01/day=01/hour=00', 'year=2024/month=01/day=01/hour=01']);
			expect(await subject.emulator.store.countOffline(target, {mode: 'history'})).toBe(4);
		}

		// A column list: the rest are NULL; a column the table lacks is refused.
		await succeeded(`INSERT INTO "${tables['glue-copy']}" (id, event_time, write_time, api_invocation_time, is_deleted) VALUES ('z', '${at(7)}', TIMESTAMP '2024-02-01 00:00:00', TIMESTAMP '2024-02-01 00:00:00', true)`);
		expect(await rows(`SELECT id, n, is_deleted FROM "${tables['glue-copy']}" WHERE id = 'z'`)).toEqual([['z', null, 'true']]);
		const unknown = await run(`INSERT INTO "${tables['glue-copy']}" (id, nope) VALUES ('y', 1)`);
		expect(unknown.Status).toMatchObject({State: 'FAILED', AthenaError: {ErrorCategory: 2}});
		expect(unknown.Status!.StateChangeReason).toMatch(/COLUMN_NOT_FOUND.*nope/);
	});

	it('DELETE FROM an Iceberg table removes the rows a condition holds for, or all; a Glue table refuses it', async () => {
		await succeeded(`DELETE FROM "${tables['iceberg-copy']}" WHERE id = 'a' AND event_time = '${at(0)}'`);
		expect(await rows(`SELECT id, event_time FROM "${tables['iceberg-copy']}" ORDER BY id, event_time`)).toEqual([['a', at(3600)], ['b', at(0)], ['b', at(3600)]]);
		const glue = await run(`DELETE FROM "${tables['glue-copy']}" WHERE id = 'a'`);
		expect(glue.Status!.State).toBe('FAILED');
		expect(glue.Status!.StateChangeReason).toMatch(/NOT_SUPPORTED.*not an Iceberg table/);
		await succeeded(`DELETE FROM "${tables['iceberg-copy']}"`);
		expect(await rows(`SELECT count(*) FROM "${tables['iceberg-copy']}"`)).toEqual([['0']]);
	});

	it('UNLOAD writes Parquet under an empty prefix, one directory per partition value, and refuses a prefix that holds objects', async () => {
		const unload = (to: string) => `UNLOAD (SELECT id, n, label, date_format(from_iso8601_timestamp(event_time), '%H') AS hour FROM "${tables['source']}") TO '${to}' WITH (format = 'PARQUET', partitioned_by = ARRAY['hour'])`;
		await succeeded(unload('s3://unloads/run-1/'));
		const listed = await subject.s3.send(new ListObjectsV2Command({Bucket: 'unloads', Prefix: 'run-1/'}));
		const keys = (listed.Contents ?? []).map(object => object.Key!.replace(/[^/]+$/, '')).sort();
		expect(keys).toEqual(['run-1/hour=00/', 'run-1/hour=01/']);
		const again = await run(unload('s3://unloads/run-1/'));
		expect(again.Status!.State).toBe('FAILED');
		expect(again.Status!.StateChangeReason).toMatch(/HIVE_PATH_ALREADY_EXISTS/);
		const text = await run(`UNLOAD (SELECT 1) TO 's3://unloads/run-2/' WITH (format = 'TEXTFILE')`);
		expect(text.Status!.StateChangeReason).toMatch(/NOT_SUPPORTED.*PARQUET/);
	});
});
