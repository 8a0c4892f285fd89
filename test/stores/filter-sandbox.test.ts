/**
 * The embedded store's filters, given straight to the store (no first look
 * by core/filter): DuckDB's parser refuses anything but one condition on the
 * group's rows, and the DuckDB they run in reaches no other file.
 */
import {existsSync, mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {FsError} from '../../source/core/errors.js';
import {duckdbInstance} from '../../source/io/duckdb.js';
import {LocalStore} from '../../source/stores/local/index.js';
import type {OfflineQuery} from '../../source/stores/store.js';
import {tempDir} from '../helpers/temp.js';
import {groupInput, rec, rows} from './contract.js';

const temp = tempDir('fs-filter-sandbox-');
const secret = `TOPSECRET-${process.pid}-${Date.now()}`;
const secretFile = path.join(temp.dir, 'secret.csv');
const secretText = path.join(temp.dir, 'secret.txt');
const out = (name: string) => path.join(temp.dir, 'written', name);
let store: LocalStore;

beforeAll(async () => {
	writeFileSync(secretFile, `name\n${secret}\n`);
	writeFileSync(secretText, secret);
	mkdirSync(path.join(temp.dir, 'written'));
	store = new LocalStore(path.join(temp.dir, 'store'));
	await store.createFeatureGroup(groupInput('g'));
	await store.batchWrite(['a', 'b', 'c'].map((id, index) => ({FeatureGroupName: 'g', Record: rec(id, index, {label: `${id}; -- ${index}`})})));
	await store.flush('g');
});
afterAll(async () => {
	await store.close();
	temp.remove();
});

/** What the store says to `where` in each of its queries: the error, or what ran. */
async function attempts(where: string): Promise<Array<{what: string; error?: unknown}>> {
	const history: OfflineQuery = {mode: 'history', where, includeMetadata: true};
	const runs: Array<[string, () => Promise<unknown>]> = [
		['count', async () => store.countOffline('g', {mode: 'history', where})],
		['count snapshot', async () => store.countOffline('g', {mode: 'snapshot', where})],
		['read', async () => rows(store, 'g', {mode: 'history', where})],
		['read snapshot', async () => rows(store, 'g', {mode: 'snapshot', where, limit: 2})],
		['sorted snapshot', async () => store.snapshotOffline('g', history, path.join(temp.dir, 'snapshots', 'sorted'))],
		['snapshot in parts', async () => store.snapshotOffline('g', {...history, parts: 2}, path.join(temp.dir, 'snapshots', 'parts'))],
		['unordered snapshot', async () => store.snapshotOffline('g', {...history, parts: 2, unordered: true}, path.join(temp.dir, 'snapshots', 'unordered'))],
	];
	const results = [];
	for (const [what, run] of runs) {
		try {
			await run();
			results.push({what});
		} catch (error) {
			results.push({what, error});
		}
	}

	return results;
}

describe('filters that reach beyond the group are refused as usage errors, nothing read or written', () => {
	it.each([
		['a COPY after a dollar-quoted string', `id = $$'$$)); COPY (SELECT 1) TO $$${out('dollar.csv')}$$; SELECT (($$'$$`, 'dollar.csv', /another SQL statement|Parser Error/],
		['a COPY after an escape string', `id = E'\\'')); COPY (SELECT 1) TO E'${out('escape.csv')}'; SELECT ((E'\\''`, 'escape.csv', /another SQL statement|Parser Error/],
		['an ATTACH after a dollar-quoted string', `id = $$'$$)); ATTACH $$${out('attached.db')}$$ AS other; SELECT (($$'$$`, 'attached.db', /another SQL statement|Parser Error/],
		['a replacement scan of a file', `id IN (SELECT name FROM '${secretFile}')`, undefined, /reads the file .*secret\.csv/],
		['a replacement scan whose value an error would show', `CAST((SELECT name FROM '${secretFile}') AS INT) = 1`, undefined, /reads the file .*secret\.csv/],
		['read_text, its value in an error', `CAST((SELECT content FROM read_text('${secretText}')) AS INT) = 1`, undefined, /table function read_text/],
		['read_csv', `id IN (SELECT name FROM read_csv('${secretFile}'))`, undefined, /table function read_csv/],
		['glob', `EXISTS (SELECT * FROM glob('${temp.dir}/*'))`, undefined, /table function glob/],
		['another table', 'id IN (SELECT id FROM duckdb_settings)', undefined, /the table duckdb_settings/],
		['a set operation', 'id IN (SELECT \'a\' UNION SELECT name FROM \'x.csv\')', undefined, /through UNION/],
		['a WITH query', 'id IN (WITH s AS (SELECT \'a\' AS v) SELECT v FROM s)', undefined, /WITH query/],
		['a join', 'id IN (SELECT 1 FROM (SELECT 1) a JOIN (SELECT 1) b ON true)', undefined, /join/],
		['a clause after the condition, the rest of the query commented out', 'id = \'a\') LIMIT 1 --', undefined, /reaches past its condition|Parser Error/],
		['a clause after the condition', 'id = \'a\') ORDER BY (1', undefined, /reaches past its condition|Parser Error/],
	])('%s', async (_label, where, written, message) => {
		for (const {what, error} of await attempts(where)) {
			expect(error, what).toBeInstanceOf(FsError);
			expect((error as FsError).kind, what).toBe('usage');
			expect((error as FsError).message, what).toMatch(message);
			expect(`${(error as FsError).message} ${(error as FsError).remedy}`, what).not.toContain(secret);
		}

		if (written) expect(existsSync(out(written))).toBe(false);
	});
});

describe('conditions on the group\'s own rows still run', () => {
	const labels = async (where: string) => (await rows(store, 'g', {mode: 'history', where, columns: ['label']})).map(row => row['label']);

	it.each([
		['an IN list', 'id IN (\'a\', \'b\')', ['a; -- 0', 'b; -- 1']],
		['a Presto time condition', 'from_iso8601_timestamp(event_time) < current_date - interval \'30\' day', ['a; -- 0', 'b; -- 1', 'c; -- 2']],
		['; and -- inside strings', 'label = \'a; -- 0\' OR id = \'x;\' OR id = \'--\'', ['a; -- 0']],
		['quoted names', '"id" = \'c\' AND "label" IS NOT NULL', ['c; -- 2']],
		['date_parse', 'date_parse(substr(event_time, 1, 19), \'%Y-%m-%dT%H:%i:%s\') >= timestamp \'2024-01-01 00:00:01\'', ['b; -- 1', 'c; -- 2']],
		['a subquery over no data', 'id IN (SELECT \'b\')', ['b; -- 1']],
		['a subquery over the group\'s own files', () => `"n" = (SELECT max(n) FROM read_parquet('${store.offlineFiles('g').dir}/**/*.parquet'))`, ['a; -- 0', 'b; -- 1', 'c; -- 2']],
		['parentheses closed and opened again', 'id = \'a\') OR (id = \'b\'', ['a; -- 0', 'b; -- 1']],
	])('%s', async (_label, condition, expected) => {
		const where = typeof condition === 'string' ? condition : condition();
		expect(await labels(where)).toEqual(expected);
		expect(await store.countOffline('g', {mode: 'snapshot', where})).toBe(expected.length);
	});

	it('run in a DuckDB that reaches the group\'s files alone (and a snapshot\'s directory), its configuration locked', async () => {
		const data = `${store.offlineFiles('g').dir}${path.sep}`;
		// Besides its spill directory, which DuckDB allows itself.
		const allowed = `list_sort(list_filter(current_setting('allowed_directories'), lambda d: NOT starts_with(d, '${path.join(temp.dir, 'store', 'tmp', 'duckdb-')}')))`;
		const locked = 'NOT current_setting(\'enable_external_access\') AND current_setting(\'lock_configuration\')';
		expect(await store.countOffline('g', {mode: 'history', where: `${locked} AND ${allowed} = ['${data}']`})).toBe(3);
		const snapshots = path.join(temp.dir, 'settings');
		const snapshot = await store.snapshotOffline('g', {mode: 'history', includeMetadata: true, where: `${locked} AND ${allowed} = list_sort(['${data}', '${snapshots}${path.sep}'])`}, snapshots);
		expect(snapshot.rows).toBe(3);
	});

	it('writes a filtered snapshot, sorted, in parts and unordered', async () => {
		const where = 'id <> \'b\'';
		for (const [name, extra] of [['sorted', {}], ['parts', {parts: 2}], ['unordered', {parts: 2, unordered: true}]] as const) {
			const snapshot = await store.snapshotOffline('g', {mode: 'history', where, includeMetadata: true, ...extra}, path.join(temp.dir, 'good', name));
			expect(snapshot.rows, name).toBe(2);
		}
	});
});

describe('a locked DuckDB', () => {
	it('reaches its directories and nothing else, and cannot be unlocked', async () => {
		const inside = path.join(temp.dir, 'inside');
		mkdirSync(inside);
		const instance = await duckdbInstance({threads: '1'}, ['SET GLOBAL TimeZone = \'UTC\''], [inside]);
		const connection = await instance.connect();
		const error = async (sql: string) => connection.run(sql).then(() => 'ran', (error_: Error) => error_.message);
		try {
			await connection.run(`COPY (SELECT 1 AS n) TO '${inside}/ok.parquet'`);
			expect((await connection.runAndReadAll(`SELECT n FROM '${inside}/ok.parquet'`)).getRows()).toEqual([[1]]);
			for (const sql of [
				`SELECT * FROM read_text('${secretFile}')`,
				`SELECT * FROM '${secretFile}'`,
				`SELECT * FROM read_text('${inside}/../secret.csv')`,
				`COPY (SELECT 1) TO '${out('locked.csv')}'`,
				`ATTACH '${out('locked.db')}' AS other`,
				`SELECT * FROM glob('${inside}2/*')`,
			]) expect(await error(sql), sql).toMatch(/Permission Error/);
			expect(await error('SET enable_external_access = true')).toMatch(/configuration has been locked/);
			expect(await error(`SET allowed_directories = ['${temp.dir}/']`)).toMatch(/configuration has been locked/);
			expect(existsSync(out('locked.csv'))).toBe(false);
			expect(existsSync(out('locked.db'))).toBe(false);
		} finally {
			connection.closeSync();
			instance.closeSync();
		}
	});
});
