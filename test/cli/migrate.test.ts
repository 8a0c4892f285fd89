/**
 * fs migrate end to end on the embedded store: sizes at batch and page edges,
 * kill -9 and Ctrl-C with resume, refusals before anything runs, strategies.
 */
import {spawn} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {LocalStore} from '../../source/stores/local/index.js';
import {cliPath, fsWith, localWorkers, localWorkersLine} from '../helpers/cli.js';
import {largeHistoryIds, writeLargeHistory} from '../helpers/large-history.js';
import {storeContents} from '../helpers/contents.js';
import {createGroup, putRows} from '../helpers/setup.js';
import {tempDir} from '../helpers/temp.js';
import type {FeatureDefinition} from '../../source/core/types.js';

const temp = tempDir('fs-migrate-');
const storeDir = path.join(temp.dir, 'store');
const home = path.join(temp.dir, 'home');
const env = {FS_HOME: home};
const fs = fsWith(`local:${storeDir}`, env);
const at = (name: string) => path.join(temp.dir, name);

const schema: FeatureDefinition[] = [
	{FeatureName: 'id', FeatureType: 'String'},
	{FeatureName: 'event_time', FeatureType: 'String'},
	{FeatureName: 'n', FeatureType: 'Integral'},
	{FeatureName: 'label', FeatureType: 'String'},
];
writeFileSync(at('schema.json'), JSON.stringify(schema));

/** A group of `schema` (`--no-offline-store`: online only). */
async function create(name: string, ...flags: Array<'--no-offline-store'>) {
	await createGroup(storeDir, name, {features: schema, offline: !flags.includes('--no-offline-store')});
}

/** n identifiers with `versions` versions each. */
async function fill(name: string, n: number, versions = 1) {
	const rows = function * () {
		for (let version = 0; version < versions; version++) {
			for (let i = 0; i < n; i++) {
				yield {id: `r${String(i).padStart(6, '0')}`, event_time: `2024-01-01T00:${String(version).padStart(2, '0')}:00Z`, n: String(9_223_372_036_854_000_000n + BigInt(i)), label: `v${version}, "quoted"`};
			}
		}
	};

	await putRows(storeDir, name, rows());
}

/** Everything a target holds: online records and offline rows (metadata left out). */
/** Rows (`select`) written straight into a group's offline store as `file`, as another writer might. */
async function writeRows(group: string, file: string, select: string) {
	const store = new LocalStore(storeDir);
	const {dir} = store.offlineFiles(group);
	await store.close();
	const {loadDuckDB, sqlString} = await import('../../source/io/duckdb.js');
	const {DuckDBInstance} = await loadDuckDB();
	const connection = await (await DuckDBInstance.create(':memory:')).connect();
	try {
		await connection.run(`COPY (${select}) TO ${sqlString(path.join(dir, 'year=2024', 'month=01', 'day=01', 'hour=00', file))} (FORMAT parquet)`);
	} finally {
		connection.closeSync();
	}
}

const contents = async (name: string) => storeContents(storeDir, name);

beforeAll(async () => {
	await create('source-big');
	await fill('source-big', 12_000, 3);
});
afterAll(() => temp.remove());

describe('result sizes at batch and page edges are copied exactly', () => {
	it.each([0, 1, 99, 100, 101, 999, 1000, 1001])('%i records, offline source and online-only source', async n => {
		await create(`edge-${n}`);
		await create(`edge-${n}-copy`);
		await create(`edge-${n}-online`, '--no-offline-store');
		await create(`edge-${n}-from-online`);
		await fill(`edge-${n}`, n);
		await fill(`edge-${n}-online`, n);
		const offline = await fs(['migrate', `edge-${n}`, `edge-${n}-copy`, '--yes', '--json']);
		expect(offline.code).toBe(0);
		expect(JSON.parse(offline.stdout).result.totals).toEqual({read: n, written: n, failed: 0, skipped: 0, deletes: 0});
		const source = await contents(`edge-${n}`);
		expect(await contents(`edge-${n}-copy`)).toEqual(source);
		// Online-only source: ListRecords pages of 1,000 and BatchGetRecord calls of 100.
		const online = await fs(['migrate', `edge-${n}-online`, `edge-${n}-from-online`, '--yes', '--json']);
		expect(online.code).toBe(0);
		const result = JSON.parse(online.stdout) as {plan: Record<string, unknown>; result: {totals: Record<string, number>}};
		expect(result.plan).toMatchObject({strategy: 'online_to_online', primary: 'online', mode: 'snapshot', estimatedRecords: n});
		expect(result.result.totals.written).toBe(n);
		expect((await contents(`edge-${n}-from-online`)).online).toEqual(source.online);
	});
});

describe('plan and refusals', () => {
	it('prints the seed\'s plan fields in the seed\'s order for a dry-run, writing nothing', async () => {
		await create('plan-target');
		const result = await fs(['migrate', 'source-big', 'plan-target', '--dry-run', '--filter-query', 'WHERE id < \'r000100\'', '--mode', 'snapshot']);
		expect(result.code).toBe(0);
		// NO_COLOR (as every CLI test runs): no colour, no emoji.
		const plan = result.stdout.slice(result.stdout.indexOf('Migration plan'));
		const expected = [
			'Migration plan', '='.repeat(60), 'Source: source-big (online+offline)', 'Target: plan-target (online+offline)', 'Strategy: offline_to_online',
			// No more workers than batches.
			'Primary data source: offline', 'Estimated records: 100', 'Batch size: 100', 'Workers: 1 (--max-workers 4; no more than the one batch of 100 records to write)', 'Mode: snapshot',
		].join('\n');
		expect(plan.slice(0, expected.length)).toBe(expected);
		expect(plan).toContain('Filter: WHERE id < \'r000100\'');
		expect(plan).toContain(`Store: local (${storeDir})`);
		expect(result.stdout).toContain('\nDry-run: no data was migrated.');
		expect(result.stdout).not.toMatch(/📋|🔍/u);
		expect(result.stdout).toContain('⚠ In snapshot mode the filter picks rows before the latest version');
		expect((await contents('plan-target')).offline).toEqual([]);
	});

	it('runs at most one worker per CPU core into the embedded store, and says so', async () => {
		await create('per-core');
		const plan = await fs(['migrate', 'source-big', 'per-core', '--max-workers', '64', '--dry-run']);
		expect(plan.stdout).toContain(localWorkersLine(64));
		const result = await fs(['migrate', 'source-big', 'per-core', '--max-workers', '64', '--yes', '--json']);
		expect(result.code).toBe(0);
		const parsed = JSON.parse(result.stdout) as {plan: Record<string, unknown>; result: {totals: Record<string, number>}};
		expect(parsed.plan).toMatchObject({workers: localWorkers(64), maxWorkers: 64, workersWhy: 'one per CPU core writing the embedded store'});
		expect(parsed.result.totals.written).toBe(36_000);
		// Again, everything is there: one worker is enough to skip it.
		const again = await fs(['migrate', 'source-big', 'per-core', '--max-workers', '64', '--dry-run']);
		expect(again.stdout).toContain('Workers: 1 (--max-workers 64; no record to write)');
	});

	it('refuses without a terminal and without --yes, naming --yes', async () => {
		await create('no-yes');
		const result = await fs(['migrate', 'source-big', 'no-yes']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('--yes');
		// The command to run again keeps the output asked for.
		const json = await fs(['migrate', 'source-big', 'no-yes', '--json']);
		expect(json.code).toBe(2);
		expect(json.stderr).toMatch(/pass --yes to confirm in a script: \S*fs migrate source-big no-yes .*--yes --json/);
		expect((await contents('no-yes')).offline).toEqual([]);
	});

	it.each([
		['a ;', ['--filter-query', 'WHERE id = \'a\'; DELETE FROM x'], /contains ";"/],
		['DDL', ['--filter-query', 'WHERE id = \'a\' OR drop = 1'], /contains DROP/],
		['bad batch size', ['--batch-size', '0'], /--batch-size must be a whole number/],
		['bad workers', ['--max-workers', 'many'], /--max-workers must be a whole number/],
		['bad mode', ['--mode', 'all'], /--mode must be one of history, snapshot/],
		['varchar event time', ['--filter-query', 'WHERE event_time > current_date - interval \'30\' day'], /from_iso8601_timestamp\(event_time\)/],
	])('refuses %s before anything runs', async (_label, flags, message) => {
		await create(`refuse-${_label.replaceAll(/\W/g, '')}`);
		const result = await fs(['migrate', 'source-big', `refuse-${_label.replaceAll(/\W/g, '')}`, '--yes', ...flags]);
		expect(result.stderr).toMatch(message);
		expect(result.code).toBe(2);
	});

	it('refuses a target that is still Creating, with the seed\'s remedy', async () => {
		await fs(['create', 'creating', '--schema-file', at('schema.json'), '--no-wait'], {env: {FS_LOCAL_CREATE_DELAY_MS: '600000'}});
		const result = await fs(['migrate', 'source-big', 'creating', '--yes']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('The target creating is Creating, not Created');
		expect(result.stderr).toContain('Wait until');
	});

	it('refuses a target whose record identifier the source lacks', async () => {
		writeFileSync(at('other.json'), JSON.stringify([{FeatureName: 'key', FeatureType: 'String'}, {FeatureName: 'event_time', FeatureType: 'String'}]));
		await fs(['create', 'other-id', '--schema-file', at('other.json'), '--record-identifier-name', 'key']);
		const result = await fs(['migrate', 'source-big', 'other-id', '--yes']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('The target\'s record identifier key is not a feature of source-big');
	});

	it('says --filter-query does not apply to an online-only source', async () => {
		await create('only-online', '--no-offline-store');
		await create('from-only-online');
		const result = await fs(['migrate', 'only-online', 'from-only-online', '--filter-query', 'WHERE id = \'a\'', '--yes']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('--ids-file');
	});
});

describe('strategies', () => {
	it('copies the latest snapshot into an online-only target, and chosen ids with --ids-file', async () => {
		await create('latest-online', '--no-offline-store');
		const snapshot = await fs(['migrate', 'source-big', 'latest-online', '--yes', '--json']);
		const parsed = JSON.parse(snapshot.stdout) as {plan: Record<string, unknown>; result: {totals: Record<string, number>}};
		expect(parsed.plan).toMatchObject({strategy: 'offline_to_online', mode: 'snapshot', estimatedRecords: 12_000});
		expect(parsed.result.totals.written).toBe(12_000);
		const online = (await contents('latest-online')).online;
		expect(online['r000007']).toMatchObject({event_time: '2024-01-01T00:02:00Z', n: '9223372036854000007'});

		await create('chosen');
		writeFileSync(at('ids.txt'), '# chosen\nr000001\nr000002\n\nr000002\nnot-there\n');
		const chosen = await fs(['migrate', 'source-big', 'chosen', '--ids-file', at('ids.txt'), '--yes', '--json']);
		expect(JSON.parse(chosen.stdout).result.totals).toEqual({read: 6, written: 6, failed: 0, skipped: 0, deletes: 0});
		expect(Object.keys((await contents('chosen')).online).sort()).toEqual(['r000001', 'r000002']);
	});

	it('replays delete markers as soft deletes at their event time (history)', async () => {
		await create('with-deletes');
		await fill('with-deletes', 50, 2);
		const store = new LocalStore(storeDir);
		await store.deleteRecord({FeatureGroupName: 'with-deletes', RecordIdentifier: 'r000003', EventTime: '2024-01-01T00:05:00Z'});
		await store.close();
		await create('with-deletes-copy');
		const result = await fs(['migrate', 'with-deletes', 'with-deletes-copy', '--yes', '--json']);
		expect(JSON.parse(result.stdout).result.totals).toEqual({read: 101, written: 101, failed: 0, skipped: 0, deletes: 1});
		const copy = await contents('with-deletes-copy');
		expect(copy).toEqual(await contents('with-deletes'));
		expect(copy.online['r000003']).toBe('deleted');
	});

	it('reports a record the target would refuse as failed, before writing, and writes the rest', async () => {
		// A row no PutRecord would take (a value over 350 KB), put straight into the source's Parquet.
		await create('oversized');
		await fill('oversized', 3);
		await writeRows('oversized', '20240102T000000Z_oversizedrow0000.parquet', `SELECT 'r-big' AS id, '2024-01-01T00:00:00Z' AS event_time, CAST(1 AS BIGINT) AS n, repeat('x', 360000) AS label,
			TIMESTAMP '2024-01-02 00:00:00' AS write_time, TIMESTAMP '2024-01-02 00:00:00' AS api_invocation_time, false AS is_deleted`);
		await create('oversized-copy');
		const failedFile = at('oversized-failed.jsonl');
		const result = await fs(['migrate', 'oversized', 'oversized-copy', '--yes', '--json', '--failed-output', failedFile]);
		expect(result.code).toBe(3);
		expect(JSON.parse(result.stdout).result).toMatchObject({totals: {read: 4, written: 3, failed: 1, skipped: 0}, verification: {sample: {ok: true}}});
		const lines = readFileSync(failedFile, 'utf8').trim().split('\n').map(line => JSON.parse(line) as Record<string, unknown>);
		expect(lines).toHaveLength(1);
		expect(lines[0]).toMatchObject({recordIdentifier: 'r-big', errorCode: 'ValidationError', errorMessage: 'label: value is larger than 350 KB'});
		expect(Object.keys((await contents('oversized-copy')).online).sort()).toEqual(['r000000', 'r000001', 'r000002']);
	});

	it('puts online the row its source received first among rows of one event time, stored out of that order, in bulk and record by record', async () => {
		// Two rows of r-tie with one event time, in files whose names (the
		// stored order) disagree with the order the source received them in.
		await create('ties');
		await fill('ties', 3, 2);
		const put = async (file: string, label: string, received: string, extra = '') => writeRows('ties', file, `
			SELECT 'r-tie' AS id, '2024-01-01T00:30:00Z' AS event_time, CAST(7 AS BIGINT) AS n, '${label}' AS label,
				TIMESTAMP '${received}' AS write_time, TIMESTAMP '${received}' AS api_invocation_time, false AS is_deleted ${extra}`);
		await put('20240102T000000Z_aaaa.parquet', 'received second', '2024-01-02 00:00:02');
		await put('20240102T000000Z_bbbb.parquet', 'received first', '2024-01-02 00:00:01');
		await create('ties-bulk');
		await create('ties-online', '--no-offline-store');
		expect((await fs(['migrate', 'ties', 'ties-bulk', '--yes'])).code).toBe(0);
		expect((await fs(['migrate', 'ties', 'ties-online', '--yes'])).code).toBe(0);
		// A row no PutRecord would take sends the whole part record by record.
		await put('20240102T000000Z_cccc.parquet', 'x', '2024-01-02 00:00:03', `UNION ALL SELECT 'r-big', '2024-01-01T00:00:00Z', 1, repeat('x', 360000),
			TIMESTAMP '2024-01-02 00:00:00', TIMESTAMP '2024-01-02 00:00:00', false`);
		await create('ties-record');
		const result = await fs(['migrate', 'ties', 'ties-record', '--yes', '--json', '--max-workers', '1', '--failed-output', at('ties-failed.jsonl')]);
		expect(result.code).toBe(3);
		expect(JSON.parse(result.stdout).result).toMatchObject({totals: {read: 10, written: 9, failed: 1}, verification: {sample: {ok: true}}});
		const bulk = await contents('ties-bulk');
		const record = await contents('ties-record');
		for (const target of [bulk, record]) expect(target.online['r-tie']).toMatchObject({label: 'received first'});
		// Into an online-only target the latest snapshot goes: SageMaker's query takes the last received.
		expect((await contents('ties-online')).online['r-tie']).toMatchObject({label: 'received second'});
		expect(record.online).toEqual(bulk.online);
		// Every row of the history offline, the one that failed aside.
		expect(bulk.offline).toHaveLength(8);
		expect(record.offline).toEqual([...bulk.offline, record.offline.find(row => row.includes('"r-tie","2024-01-01T00:30:00Z","7","x"'))].sort());
	});

	it('reads a large history in place and gives the same target in bulk and record by record', async () => {
		await create('large');
		const store = new LocalStore(storeDir);
		const {dir} = store.offlineFiles('large');
		await store.close();
		await writeLargeHistory(dir);
		await create('large-bulk');
		await create('large-record');
		const bulk = await fs(['migrate', 'large', 'large-bulk', '--yes', '--json']);
		// Injected faults (none drawn) make the store take records only.
		const record = await fs(['migrate', 'large', 'large-record', '--yes', '--json'], {env: {FS_LOCAL_FAULTS: 'throttle=0,seed=1'}});
		for (const result of [bulk, record]) {
			expect(result.code).toBe(0);
			expect(JSON.parse(result.stdout).result).toMatchObject({totals: {read: 48_000, written: 48_000, failed: 0, skipped: 0}, verification: {offlineRows: {ok: true}, sample: {ok: true}}});
		}

		const target = await contents('large-bulk');
		expect(Object.keys(target.online)).toHaveLength(largeHistoryIds);
		// Ties won by the row received first, whichever file holds it; later versions; deletes.
		expect(target.online['r04001']).toMatchObject({label: 'a-20001'});
		expect(target.online['r00000']).toMatchObject({label: 'b-0'});
		expect(target.online['r00001']).toMatchObject({label: 'b-8001'});
		expect(target.online['r00010']).toBe('deleted');
		expect(await contents('large-record')).toEqual(target);
	});

	it('retries throttled writes until everything is written', async () => {
		await create('throttled');
		const result = await fs(['migrate', 'source-big', 'throttled', '--yes', '--json', '--mode', 'snapshot', '--filter-query', 'WHERE id < \'r003000\''], {env: {FS_LOCAL_FAULTS: 'throttle=0.2,seed=5'}});
		expect(result.code).toBe(0);
		const parsed = JSON.parse(result.stdout) as {result: {totals: Record<string, number>; retries: number}};
		expect(parsed.result.totals).toEqual({read: 3000, written: 3000, failed: 0, skipped: 0, deletes: 0});
		expect(parsed.result.retries).toBeGreaterThan(0);
		expect(Object.keys((await contents('throttled')).online)).toHaveLength(3000);
	});

	it('--clear-target empties the target first (online without delete markers)', async () => {
		await create('cleared');
		await fill('cleared', 30, 1);
		await create('cleared-source');
		await fill('cleared-source', 5, 1);
		const result = await fs(['migrate', 'cleared-source', 'cleared', '--clear-target', '--yes']);
		expect(result.code).toBe(0);
		expect(await contents('cleared')).toEqual(await contents('cleared-source'));
	});
});

describe('rows the target holds already', () => {
	/** The offline rows of a group as sorted lines (metadata left out). */
	const offlineRows = async (name: string) => (await contents(name)).offline;

	it('are shown in the plan, skipped on a run again (counted as already in the target), and copied again only with --no-skip-existing', async () => {
		await create('again-source');
		await fill('again-source', 300, 2);
		await create('again-target');
		const first = JSON.parse((await fs(['migrate', 'again-source', 'again-target', '--yes', '--json'])).stdout) as {result: {totals: Record<string, number>}};
		expect(first.result.totals).toMatchObject({read: 600, written: 600, skipped: 0});
		const copied = await offlineRows('again-target');

		// Nothing new: the plan says what the target holds and that every row is there.
		const plan = await fs(['migrate', 'again-source', 'again-target', '--dry-run']);
		expect(plan.stdout).toContain('Target holds: 600 offline rows · 300 online records');
		expect(plan.stdout).toMatch(/Already in the target: 600 of the 600 rows \(same identifier, event time and values; compared by DuckDB in [\d.]+s\): skipped/);
		const again = await fs(['migrate', 'again-source', 'again-target', '--yes', '--json']);
		expect(again.code).toBe(0);
		const result = JSON.parse(again.stdout) as {result: {totals: Record<string, number>; alreadyInTarget: number}};
		expect(result.result.totals).toEqual({read: 600, written: 0, failed: 0, skipped: 600, deletes: 0});
		expect(result.result.alreadyInTarget).toBe(600);
		expect(await offlineRows('again-target')).toEqual(copied);
		const summary = await fs(['migrate', 'again-source', 'again-target', '--yes']);
		expect(summary.stdout).toMatch(/skipped\s+600 {2}\(already in the target\)/);

		// New versions and one row changed in place: only those are copied.
		await putRows(storeDir, 'again-source', [
			{id: 'r000001', event_time: '2024-01-01T00:05:00Z', n: '1', label: 'newer'},
			{id: 'r000999', event_time: '2024-01-01T00:00:00Z', n: '999', label: 'new identifier'},
		]);
		await writeRows('again-source', 'changed.parquet', `SELECT 'r000002' AS id, '2024-01-01T00:01:00Z' AS event_time, 7::BIGINT AS n, 'changed' AS label,
			TIMESTAMP '2024-02-01 00:00:00' AS write_time, TIMESTAMP '2024-02-01 00:00:00' AS api_invocation_time, false AS is_deleted`);
		const incremental = JSON.parse((await fs(['migrate', 'again-source', 'again-target', '--yes', '--json'])).stdout) as {plan: {holdings: {existing: {rows: number}}}; result: {totals: Record<string, number>}};
		expect(incremental.plan.holdings.existing.rows).toBe(600);
		expect(incremental.result.totals).toMatchObject({read: 603, written: 3, skipped: 600});
		expect(await offlineRows('again-target')).toEqual(await offlineRows('again-source'));
		expect(await fs(['get', 'again-target', 'r000001'])).toMatchObject({stdout: expect.stringContaining('newer')});

		// --no-skip-existing: the typed confirmation off a terminal needs --yes; then every row again.
		const refused = await fs(['migrate', 'again-source', 'again-target', '--no-skip-existing']);
		expect(refused.code).toBe(2);
		expect(refused.stdout).toMatch(/Already in the target: 603 of the 603 rows .*: copied again \(--no-skip-existing\)/);
		const doubled = JSON.parse((await fs(['migrate', 'again-source', 'again-target', '--no-skip-existing', '--yes', '--json'])).stdout) as {result: {totals: Record<string, number>}};
		expect(doubled.result.totals).toMatchObject({read: 603, written: 603, skipped: 0});
		expect(await offlineRows('again-target')).toHaveLength(603 * 2);
	});

	it('are compared with a filter and across two embedded stores; a source read online into a target with rows is refused, writing nothing', async () => {
		const otherDir = path.join(temp.dir, 'other-store');
		await createGroup(otherDir, 'elsewhere', {features: schema});
		await create('filtered-source');
		await fill('filtered-source', 50, 1);
		const other = fsWith(`local:${otherDir}`, env);
		const across = ['migrate', 'filtered-source', 'elsewhere', '--source-store', `local:${storeDir}`, '--target-store', `local:${otherDir}`, '--filter-query', 'WHERE n >= 0', '--yes', '--json'];
		expect(JSON.parse((await other(across)).stdout).result.totals).toMatchObject({written: 50, skipped: 0});
		expect(JSON.parse((await other(across)).stdout).result.totals).toMatchObject({read: 50, written: 0, skipped: 50});

		await create('online-source', '--no-offline-store');
		await fill('online-source', 5);
		const before = await contents('filtered-source');
		const online = await fs(['migrate', 'online-source', 'filtered-source', '--yes']);
		expect(online.code).toBe(2);
		expect(online.stderr).toContain('filtered-source holds 50 offline rows already, and this run cannot tell which of its rows are among them (online-source is read from its online store)');
		expect(online.stderr).toContain('--clear-target');
		expect(online.stderr).toContain('--no-skip-existing');
		expect(await contents('filtered-source')).toEqual(before);
	});
});

/** Start a migration, wait until it has written something, send a signal. */
async function interrupted(target: string, signal: NodeJS.Signals) {
	const child = spawn(process.execPath, [cliPath, 'migrate', 'source-big', target, '--batch-size', '20', '--max-workers', '2', '--yes'], {
		// Record by record (injected faults, none drawn): bulk loads finish 36,000 rows
		// before a signal can land; the resume then goes in bulk loads.
		env: {...process.env, ...env, FS_STORE: `local:${storeDir}`, NO_COLOR: '1', FS_LOCAL_FAULTS: 'throttle=0,seed=1'},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr.on('data', chunk => {
		stderr += chunk;
	});
	const exited = new Promise<number | null>(resolve => child.on('close', (code, killed) => resolve(code ?? (killed ? -1 : null))));
	const runs = path.join(home, 'runs');
	const written = () => {
		if (!existsSync(runs)) return 0;
		for (const pair of readdirSync(runs).filter(entry => entry.includes(`__${target}__`))) {
			for (const run of readdirSync(path.join(runs, pair))) {
				const file = path.join(runs, pair, run, 'checkpoint.json');
				if (!existsSync(file)) continue;
				try {
					return (JSON.parse(readFileSync(file, 'utf8')) as {totals: {written: number}}).totals.written;
				} catch {}
			}
		}

		return 0;
	};

	const started = Date.now();
	while (written() < 3000) {
		if (Date.now() - started > 60_000) throw new Error(`no progress: ${stderr}`);
		await new Promise(resolve => setTimeout(resolve, 20));
	}

	child.kill(signal);
	return {code: await exited, stderr: () => stderr};
}

describe('interruptions', () => {
	let reference: Awaited<ReturnType<typeof contents>>;
	beforeAll(async () => {
		await create('reference');
		const result = await fs(['migrate', 'source-big', 'reference', '--yes']);
		expect(result.code).toBe(0);
		reference = await contents('reference');
		expect(reference.offline).toHaveLength(36_000);
	});

	it('kill -9 in the middle, then --resume: the target equals an uninterrupted run', async () => {
		await create('killed');
		const run = await interrupted('killed', 'SIGKILL');
		expect(run.code).toBe(-1);
		const resumed = await fs(['migrate', 'source-big', 'killed', '--resume', '--yes', '--json']);
		expect(resumed.stderr).toContain('resuming run');
		expect(resumed.code).toBe(0);
		const totals = JSON.parse(resumed.stdout).result.totals as Record<string, number>;
		expect(totals.skipped).toBeGreaterThanOrEqual(3000);
		expect(totals.read).toBe(totals.written + totals.failed + totals.skipped);
		expect(await contents('killed')).toEqual(reference);
	});

	it('Ctrl-C finishes the batches in flight, saves the checkpoint, says how to resume, exits 130', async () => {
		await create('stopped');
		const run = await interrupted('stopped', 'SIGINT');
		expect(run.code).toBe(130);
		expect(run.stderr()).toContain('SIGINT: finishing the batches in flight');
		expect(run.stderr()).toMatch(/Resume: fs migrate source-big stopped --store local:\S+ --resume --run-id [\w-]+ --yes/);
		const resumed = await fs(['migrate', 'source-big', 'stopped', '--resume', '--yes']);
		expect(resumed.code).toBe(0);
		expect(await contents('stopped')).toEqual(reference);
	});

	it('SIGHUP (a dropped SSH session) stops the same way', async () => {
		await create('hung-up');
		const run = await interrupted('hung-up', 'SIGHUP');
		expect(run.code).toBe(130);
		expect((await fs(['migrate', 'source-big', 'hung-up', '--resume', '--yes'])).code).toBe(0);
		expect(await contents('hung-up')).toEqual(reference);
	});

	it('DuckDB out of memory while snapshotting: names FS_DUCKDB_MEMORY, stops its workers, exits 1; the resume clears and finishes', async () => {
		await create('short-of-memory');
		await fill('short-of-memory', 5);
		// Enough for the plan's count, too little for the snapshot.
		const run = await fs(['migrate', 'source-big', 'short-of-memory', '--clear-target', '--yes'], {env: {FS_DUCKDB_MEMORY: '2MB'}});
		expect(run.stdout).toContain('Estimated records: 36,000');
		expect(run.code).toBe(1);
		expect(run.stderr).toContain('✘ Migration failed: DuckDB ran out of memory: ');
		expect(run.stderr).toMatch(/→ Give each DuckDB more with FS_DUCKDB_MEMORY \(now 2MB\), e\.g\. FS_DUCKDB_MEMORY=1GB\. Then resume it: fs migrate source-big short-of-memory --store local:\S+ --resume --run-id [\w-]+ --yes/);
		expect(run.stderr).not.toContain('SET memory_limit');
		const resumed = await fs(['migrate', 'source-big', 'short-of-memory', '--resume', '--yes']);
		expect(resumed.stderr).toMatch(/resuming run \S+ \(failed\): 0 written, 0 failed so far/);
		expect(resumed.stderr).toContain('⚠ That run stopped before reading its source: short-of-memory is cleared again, as it asked.');
		expect(resumed.code).toBe(0);
		expect(await contents('short-of-memory')).toEqual(reference);
	});

	it('a --retry-failed run that fails before its snapshot resumes as a retry of its file, not as a whole migration', async () => {
		await create('retried');
		const failedFile = at('to-retry.jsonl');
		const line = (id: string) => JSON.stringify({recordIdentifier: id, eventTime: '2024-01-01T00:00:00Z', record: {id, event_time: '2024-01-01T00:00:00Z', n: '7', label: 'fixed'}, errorCode: 'CastError', errorMessage: 'n: not an Integral', partition: 0, position: 0});
		writeFileSync(failedFile, `${line('r000001')}\n${line('r000002')}\n`);
		// A file in the target's offline store that is not Parquet: the run stops at its first read of the target.
		const store = new LocalStore(storeDir);
		const broken = path.join(store.offlineFiles('retried').dir, 'year=2024', 'month=01', 'day=01', 'hour=00', 'broken.parquet');
		await store.close();
		mkdirSync(path.dirname(broken), {recursive: true});
		writeFileSync(broken, 'not Parquet');
		const run = await fs(['migrate', 'source-big', 'retried', '--retry-failed', failedFile, '--yes']);
		expect(run.code).toBe(1);
		expect(run.stderr).toContain(`✘ retried's offline store holds a file that is not Parquet: ${broken}.`);
		expect(run.stderr).toMatch(/→ Move it out of the group's data directory \(a partial copy or a stray file\)\. Resume it: fs migrate source-big retried --store local:\S+ --resume --run-id [\w-]+ --yes/);
		rmSync(broken);
		const resumed = await fs(['migrate', 'source-big', 'retried', '--resume', '--yes', '--json']);
		expect(resumed.code).toBe(0);
		expect(JSON.parse(resumed.stdout).result.totals).toEqual({read: 2, written: 2, failed: 0, skipped: 0, deletes: 0});
		expect(Object.keys((await contents('retried')).online).sort()).toEqual(['r000001', 'r000002']);
	});

	it('--retry-failed takes a file edited with JSON numbers and booleans where the feature\'s type allows, and refuses the rest naming line and feature', async () => {
		const typed = [...schema, {FeatureName: 'x', FeatureType: 'Fractional'}, {FeatureName: 'flag', FeatureType: 'String'}];
		writeFileSync(at('typed.json'), JSON.stringify(typed));
		for (const name of ['edited-source', 'edited-target']) expect((await fs(['create', name, '--schema-file', at('typed.json')])).code).toBe(0);
		const time = '2024-01-01T00:00:00Z';
		const file = (name: string, records: Array<Record<string, unknown>>) => {
			writeFileSync(at(name), records.map(record => JSON.stringify({recordIdentifier: record['id'], eventTime: time, record, errorCode: 'CastError', errorMessage: 'edited', partition: 0, position: 0})).join('\n') + '\n');
			return at(name);
		};

		// What people type when they fix a line by hand: numbers and booleans unquoted.
		const edited = file('edited.jsonl', [
			{id: 'e1', event_time: time, n: 42, x: 0.5, label: 'a', flag: true},
			{id: 'e2', event_time: time, n: -9_007_199_254_740_991, x: 3, label: 12.5, flag: false},
		]);
		const run = await fs(['migrate', 'edited-source', 'edited-target', '--retry-failed', edited, '--yes', '--json']);
		expect(run.stderr).not.toContain('✘');
		expect(run.code).toBe(0);
		expect(JSON.parse(run.stdout).result.totals).toEqual({read: 2, written: 2, failed: 0, skipped: 0, deletes: 0});
		expect((await contents('edited-target')).online).toEqual({
			e1: {id: 'e1', event_time: time, n: '42', x: '0.5', label: 'a', flag: 'true'},
			e2: {id: 'e2', event_time: time, n: '-9007199254740991', x: '3', label: '12.5', flag: 'false'},
		});

		const refusals: Array<[Record<string, unknown>, RegExp]> = [
			// Read as a double it is already 9223372036854775808: only a string keeps its digits.
			[{n: 9_223_372_036_854_775_807n}, /line 2: n is a JSON number past 2\^53 \(9007199254740991\), which cannot be read exactly\.\n {2}→ Quote it \("n": "…"\): as a string every digit arrives\./],
			[{label: 12_345_678_901_234_567_890n}, /line 2: label is a JSON number past 2\^53/],
			[{n: 4.5}, /line 2: n is number 4\.5, which n \(Integral\) cannot take\.\n {2}→ Write it as a whole number, e\.g\. 42 or "42"\./],
			[{x: true}, /line 2: x is boolean true, which x \(Fractional\) cannot take\.\n {2}→ Write it as a number, e\.g\. 0\.5 or "0\.5"\./],
			[{label: {text: 'a'}}, /line 2: label is an object, which label \(String\) cannot take\./],
			[{n: null}, /line 2: n is null, which n \(Integral\) cannot take\.\n {2}→ Write it as a whole number, e\.g\. 42 or "42", or leave the feature out for no value\./],
			[{nope: 1}, /line 2: nope is not a feature of edited-source\./],
		];
		for (const [values, message] of refusals) {
			const line = JSON.stringify({id: 'e3', event_time: time, ...values}, (_, value: unknown) => (typeof value === 'bigint' ? `#${value}#` : value)).replace(/"#(\d+)#"/g, '$1');
			writeFileSync(at('refused.jsonl'), `${JSON.stringify({recordIdentifier: 'e0', eventTime: time, record: {id: 'e0', event_time: time}, errorCode: 'CastError', errorMessage: ''})}\n${JSON.stringify({recordIdentifier: 'e3', eventTime: time, record: {}, errorCode: 'CastError', errorMessage: ''}).replace('"record":{}', `"record":${line}`)}\n`);
			const refused = await fs(['migrate', 'edited-source', 'edited-target', '--retry-failed', at('refused.jsonl'), '--yes']);
			expect(refused.code, line).toBe(2);
			expect(refused.stderr, line).toMatch(message);
			expect(refused.stderr).toContain(`✘ ${at('refused.jsonl')} line 2: `);
		}

		expect(Object.keys((await contents('edited-target')).online)).toEqual(['e1', 'e2']);
	});

	it('--resume without an interrupted run says so', async () => {
		const result = await fs(['migrate', 'source-big', 'reference', '--resume', '--yes']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('There is no interrupted migration of source-big → reference');
	});
});
