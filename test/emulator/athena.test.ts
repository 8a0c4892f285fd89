/**
 * Athena through the real AthenaClient and S3Client: results arrive exactly
 * (row counts around the 1000-row page edge, header first), through
 * GetQueryResults paging and through the CSV object alike; values with
 * commas, quotes and newlines survive, and "" stays apart from NULL.
 */
import {
	GetQueryExecutionCommand, GetQueryResultsCommand, GetWorkGroupCommand, InvalidRequestException, StartQueryExecutionCommand, StopQueryExecutionCommand, type QueryExecution, type Row,
} from '@aws-sdk/client-athena';
import {GetObjectCommand} from '@aws-sdk/client-s3';
import {CreateFeatureGroupCommand, DescribeFeatureGroupCommand} from '@aws-sdk/client-sagemaker';
import {parse} from 'csv-parse/sync';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {at, emulatorUnderTest, groupRequest, runQuery, type EmulatorUnderTest} from './setup.js';

const texts: Array<[string, string | undefined]> = [
	['text-0', 'a,b'],
	['text-1', 'say "hi"'],
	['text-2', 'line one\nline two\r\nline three'],
	['text-3', ''],
	['text-4', undefined],
	['text-5', 'é 🙂 "'],
];

describe('emulator: Athena', () => {
	let subject: EmulatorUnderTest;
	let table: string;

	/** Run a query to its end; `output` null: no ResultConfiguration (the workgroup's location). */
	const run = async (sql: string, output: string | null = 's3://athena-results/explicit/'): Promise<QueryExecution> => {
		const states: string[] = [];
		const execution = await runQuery(subject, sql, output, state => states.push(state));
		// Every query is seen waiting at least once, so a client's polling loop always runs.
		expect(states[0]).toMatch(/QUEUED|RUNNING/);
		return execution;
	};

	const pages = async (QueryExecutionId: string, MaxResults?: number) => {
		const out: Row[][] = [];
		let NextToken: string | undefined;
		do {
			const page = await subject.athena.send(new GetQueryResultsCommand({QueryExecutionId, NextToken, MaxResults}));
			out.push(page.ResultSet!.Rows!);
			NextToken = page.NextToken;
		} while (NextToken);
		return out;
	};

	const csvObject = async (location: string) => {
		const [, Bucket, Key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(location)!;
		return (await subject.s3.send(new GetObjectCommand({Bucket, Key}))).Body!.transformToString();
	};

	const cells = (row: Row) => row.Data!.map(datum => datum.VarCharValue ?? null);

	beforeAll(async () => {
		subject = await emulatorUnderTest({athenaOutput: 's3://athena-results/primary'});
		await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest('events')));
		table = (await subject.sagemaker.send(new DescribeFeatureGroupCommand({FeatureGroupName: 'events'}))).OfflineStoreConfig!.DataCatalogConfig!.TableName!;
		const store = subject.emulator.store;
		const records = Array.from({length: 2001}, (_, index) => ({id: `row-${String(index).padStart(4, '0')}`, event_time: at(index % 60), n: String(index), x: String(index / 4)}));
		records.push(...texts.map(([id, label]) => ({id, event_time: at(0), n: '0', x: '1e21', ...(label === undefined ? {} : {label})})));
		for (let start = 0; start < records.length; start += 25) {
			const result = await store.batchWrite(records.slice(start, start + 25).map(Record => ({FeatureGroupName: 'events', Record})));
			expect(result.errors).toEqual([]);
		}
	});
	afterAll(async () => subject.stop());

	it.each([
		[0, 1], [999, 1], [1000, 2], [1001, 2], [2001, 3],
	])('returns exactly %i rows in %i pages and the same rows in the CSV object', async (count, pageCount) => {
		const execution = await run(`SELECT id, n FROM "sagemaker_featurestore"."${table}" WHERE id LIKE 'row-%' ORDER BY id LIMIT ${count}`);
		expect(execution.Status?.State).toBe('SUCCEEDED');
		expect(execution.ResultConfiguration?.OutputLocation).toBe(`s3://athena-results/explicit/${execution.QueryExecutionId}.csv`);
		const expected = Array.from({length: count}, (_, index) => [`row-${String(index).padStart(4, '0')}`, String(index)]);
		const results = await pages(execution.QueryExecutionId!);
		expect(results).toHaveLength(pageCount);
		expect(results.map(page => page.length).slice(0, -1).every(length => length === 1000)).toBe(true);
		const rows = results.flat().map(cells);
		// The header is the first row of the first page, and only there.
		expect(rows[0]).toEqual(['id', 'n']);
		expect(rows.slice(1)).toEqual(expected);
		const csv = parse(await csvObject(execution.ResultConfiguration!.OutputLocation!)) as string[][];
		expect(csv).toEqual([['id', 'n'], ...expected]);
	});

	it('pages with a small MaxResults without losing or repeating a row', async () => {
		const execution = await run(`SELECT id FROM ${table} WHERE id LIKE 'row-00%' ORDER BY id`);
		const results = await pages(execution.QueryExecutionId!, 7);
		expect(results[0]).toHaveLength(7);
		expect(results.flat().map(row => cells(row)[0])).toEqual(['id', ...Array.from({length: 100}, (_, index) => `row-${String(index).padStart(4, '0')}`)]);
	});

	it('keeps commas, quotes, newlines and unicode, and "" apart from NULL', async () => {
		const execution = await run(`SELECT id, label FROM "SageMaker_FeatureStore"."${table.toUpperCase()}" WHERE id LIKE 'text-%' ORDER BY id`);
		const rows = (await pages(execution.QueryExecutionId!)).flat();
		expect(rows.slice(1).map(row => row.Data)).toEqual(texts.map(([id, label]) => [{VarCharValue: id}, label === undefined ? {} : {VarCharValue: label}]));
		const text = await csvObject(execution.ResultConfiguration!.OutputLocation!);
		// Athena's CSV: every value quoted, NULL an empty unquoted field.
		expect(text).toContain('"text-3",""\n"text-4",\n"text-5"');
		const csv = parse(text) as string[][];
		expect(csv.slice(1)).toEqual(texts.map(([id, label]) => [id, label ?? '']));
	});

	it('reports Athena\'s types and formats values as Athena does', async () => {
		const execution = await run(`SELECT n, x, is_deleted, write_time, count(*) OVER () AS total, CAST(from_iso8601_timestamp(event_time) AS timestamp) AS at
			FROM ${table} WHERE id IN ('row-0001', 'text-0') ORDER BY id`);
		const [page] = await pages(execution.QueryExecutionId!);
		const {ResultSetMetadata} = (await subject.athena.send(new GetQueryResultsCommand({QueryExecutionId: execution.QueryExecutionId}))).ResultSet!;
		expect(ResultSetMetadata!.ColumnInfo!.map(column => [column.Name, column.Type])).toEqual([
			['n', 'bigint'], ['x', 'double'], ['is_deleted', 'boolean'], ['write_time', 'timestamp'], ['total', 'bigint'], ['at', 'timestamp'],
		]);
		const [row, text] = page!.slice(1).map(cells);
		expect(row).toEqual(['1', '0.25', 'false', expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/), '2', '2024-01-01 00:00:01.000']);
		expect(text![1]).toBe('1.0E21');
	});

	it('fails a query on a table that does not exist, as Athena words it', async () => {
		const execution = await run('SELECT * FROM sagemaker_featurestore.no_such_table');
		expect(execution.Status).toMatchObject({State: 'FAILED', StateChangeReason: expect.stringMatching(/^TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog\.sagemaker_featurestore\.no_such_table' does not exist/)});
		await expect(subject.athena.send(new GetQueryResultsCommand({QueryExecutionId: execution.QueryExecutionId}))).rejects.toBeInstanceOf(InvalidRequestException);
		const syntax = await run('SELEC 1');
		expect(syntax.Status?.StateChangeReason).toMatch(/^SYNTAX_ERROR/);
		const write = await run(`DELETE FROM ${table}`);
		expect(write.Status?.StateChangeReason).toMatch(/^NOT_SUPPORTED/);
		// The engine reads the store's S3 only.
		const escape = await run('SELECT * FROM read_csv(\'/etc/passwd\')');
		expect(escape.Status?.State).toBe('FAILED');
	});

	it('takes the result location from the workgroup, and refuses to run without one', async () => {
		const workGroup = await subject.athena.send(new GetWorkGroupCommand({WorkGroup: 'primary'}));
		expect(workGroup.WorkGroup?.Configuration?.ResultConfiguration?.OutputLocation).toBe('s3://athena-results/primary');
		const execution = await run('SELECT 1 AS one', null);
		expect(execution.ResultConfiguration?.OutputLocation).toBe(`s3://athena-results/primary/${execution.QueryExecutionId}.csv`);
		expect(await csvObject(execution.ResultConfiguration!.OutputLocation!)).toBe('"one"\n"1"\n');
		await expect(subject.athena.send(new GetWorkGroupCommand({WorkGroup: 'other'}))).rejects.toBeInstanceOf(InvalidRequestException);

		const bare = await emulatorUnderTest();
		try {
			const error = await bare.athena.send(new StartQueryExecutionCommand({QueryString: 'SELECT 1'})).catch((error_: unknown) => error_);
			expect(error).toBeInstanceOf(InvalidRequestException);
			expect((error as Error).message).toMatch(/output location/i);
		} finally {
			await bare.stop();
		}
	});

	it('stops a running query', async () => {
		const {QueryExecutionId} = await subject.athena.send(new StartQueryExecutionCommand({QueryString: 'SELECT count(*) FROM range(1000000000000)'}));
		// Stopped while the engine works on it, not while it waits in the queue.
		while ((await subject.athena.send(new GetQueryExecutionCommand({QueryExecutionId}))).QueryExecution!.Status!.State === 'QUEUED') {
			await new Promise(resolve => setTimeout(resolve, 10));
		}

		await subject.athena.send(new StopQueryExecutionCommand({QueryExecutionId}));
		for (;;) {
			const state = (await subject.athena.send(new GetQueryExecutionCommand({QueryExecutionId}))).QueryExecution!.Status!.State;
			if (state !== 'QUEUED' && state !== 'RUNNING') {
				expect(state).toBe('CANCELLED');
				break;
			}

			await new Promise(resolve => setTimeout(resolve, 10));
		}
	});
});
