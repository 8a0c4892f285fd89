/**
 * Athena's dialect (Trino) as documented, run by the emulator's Athena
 * through the real AthenaClient, and the conditions among them as the
 * embedded store's filters: the same answers on both (trino-cases.ts).
 */
import path from 'node:path';
import {GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, type QueryExecution} from '@aws-sdk/client-athena';
import {CreateFeatureGroupCommand, DescribeFeatureGroupCommand} from '@aws-sdk/client-sagemaker';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {LocalStore} from '../../source/stores/local/index.js';
import {at, emulatorUnderTest, groupRequest, type EmulatorUnderTest} from '../emulator/setup.js';
import {tempDir} from '../helpers/temp.js';
import {trinoCases} from './trino-cases.js';

let subject: EmulatorUnderTest;
let table: string;

beforeAll(async () => {
	subject = await emulatorUnderTest({athenaOutput: 's3://athena-results/conformance'});
	await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest('events')));
	table = (await subject.sagemaker.send(new DescribeFeatureGroupCommand({FeatureGroupName: 'events'}))).OfflineStoreConfig!.DataCatalogConfig!.TableName!;
	expect((await subject.emulator.store.batchWrite([{FeatureGroupName: 'events', Record: {id: 'a', event_time: at(0), n: '1', x: '0.5'}}])).errors).toEqual([]);
});
afterAll(async () => subject?.stop());

async function query(QueryString: string): Promise<{execution: QueryExecution; names: string[]; types: string[]; rows: Array<Array<string | null>>}> {
	const {QueryExecutionId} = await subject.athena.send(new StartQueryExecutionCommand({QueryString, QueryExecutionContext: {Database: 'sagemaker_featurestore'}}));
	for (;;) {
		const {QueryExecution} = await subject.athena.send(new GetQueryExecutionCommand({QueryExecutionId}));
		const state = QueryExecution!.Status!.State!;
		if (state === 'FAILED') return {execution: QueryExecution!, names: [], types: [], rows: []};
		if (state === 'SUCCEEDED') {
			const page = await subject.athena.send(new GetQueryResultsCommand({QueryExecutionId}));
			const columns = page.ResultSet!.ResultSetMetadata!.ColumnInfo!;
			const [, ...rows] = page.ResultSet!.Rows!.map(row => row.Data!.map(datum => datum.VarCharValue ?? null));
			return {execution: QueryExecution!, names: columns.map(column => column.Name!), types: columns.map(column => column.Type!), rows};
		}

		await new Promise(resolve => setTimeout(resolve, 5));
	}
}

describe('Athena (Trino) conformance, on the emulator', () => {
	it('has the documented cases', () => {
		expect(trinoCases.length).toBeGreaterThanOrEqual(60);
	});

	it.each(trinoCases.map(item => [item.sql, item] as const))('%s', async (_, item) => {
		const result = await query(item.sql);
		const reason = result.execution.Status!.StateChangeReason;
		if (item.fails) {
			expect(result.execution.Status!.State).toBe('FAILED');
			expect(reason).toMatch(new RegExp(`^${item.fails}: `));
			return;
		}

		expect(result.execution.Status!.State, reason).toBe('SUCCEEDED');
		expect(result.rows, item.doc).toEqual(item.rows);
		if (item.names) expect(result.names).toEqual(item.names);
		if (item.types) expect(result.types).toEqual(item.types);
	});

	it('SHOW TABLES, SHOW DATABASES, SHOW COLUMNS and DESCRIBE answer from the catalog', async () => {
		const tables = await query('SHOW TABLES');
		expect(tables.names).toEqual(['tab_name']);
		expect(tables.rows).toContainEqual([table]);
		expect((await query(`SHOW TABLES IN sagemaker_featurestore '${table.slice(0, 6)}*'`)).rows).toEqual([[table]]);
		expect((await query('SHOW TABLES \'nothing*\'')).rows).toEqual([]);
		expect((await query('SHOW DATABASES')).rows).toContainEqual(['sagemaker_featurestore']);
		const columns = await query(`SHOW COLUMNS FROM ${table}`);
		expect(columns.names).toEqual(['field']);
		expect(columns.rows.map(([name]) => name)).toEqual(['id', 'event_time', 'n', 'x', 'label', 'write_time', 'api_invocation_time', 'is_deleted']);
		const described = await query(`DESCRIBE sagemaker_featurestore.${table}`);
		expect(described.names).toEqual(['col_name', 'data_type', 'comment']);
		expect(described.rows.slice(0, 4)).toEqual([['id', 'string', ''], ['event_time', 'string', ''], ['n', 'bigint', ''], ['x', 'double', '']]);
		const missing = await query('DESCRIBE no_such_table');
		expect(missing.execution.Status!.StateChangeReason).toBe('TABLE_NOT_FOUND: Table \'awsdatacatalog.sagemaker_featurestore.no_such_table\' does not exist');
	});

	it('runs the same over a feature group\'s table: integer division and _colN names on real columns', async () => {
		const result = await query(`SELECT n / 2, concat(id, NULL), count(*) OVER () FROM ${table}`);
		expect(result.names).toEqual(['_col0', '_col1', '_col2']);
		expect(result.rows).toEqual([['0', null, '1']]);
	});
});

describe('Athena (Trino) conformance, as the embedded store\'s filters', () => {
	const temp = tempDir('fs-trino-');
	let store: LocalStore;
	beforeAll(async () => {
		store = new LocalStore(path.join(temp.dir, 'store'));
		await store.createFeatureGroup(groupRequest('rows'));
		expect((await store.batchWrite([{FeatureGroupName: 'rows', Record: {id: 'a', event_time: at(0), n: '1', x: '0.5'}}])).errors).toEqual([]);
	});
	afterAll(async () => {
		await store?.close();
		temp.remove();
	});

	const conditions = trinoCases.filter(item => item.where);
	it('has conditions for most kinds of function', () => {
		expect(conditions.length).toBeGreaterThanOrEqual(25);
	});

	it.each(conditions.map(item => [item.where!, item] as const))('WHERE %s', async where => {
		// True for the group's one row; its negation, false.
		expect(await store.countOffline('rows', {mode: 'history', where})).toBe(1);
		expect(await store.countOffline('rows', {mode: 'history', where: `NOT (${where})`})).toBe(0);
	});

	it('refuses what it cannot run as Athena does, naming it', async () => {
		await expect(store.countOffline('rows', {mode: 'history', where: 'typeof(n) = \'bigint\''})).rejects.toMatchObject({
			kind: 'usage', message: 'The filter on rows uses what fs cannot run: Function typeof is not supported here: Athena\'s (Trino\'s) and DuckDB\'s differ, and fs does not translate it.',
		});
	});
});
