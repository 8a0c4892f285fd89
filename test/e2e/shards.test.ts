/**
 * `--shard K/N` against the AWS service as far as this machine can (the
 * emulator, through the real SDK): four shards run side by side (each
 * copying its identifiers' history by Athena, the default) leave the target
 * as one unsharded run record by record does, and so do four shards of
 * which one is killed -9 (during its copy, or its online writes, or on the
 * record-by-record path) and then resumed. The history has delete markers,
 * event-time ties and values that fail their cast (bench/fixture.ts
 * makeHistoryGroup): the failed rows are the same too. On the embedded
 * store, the shards' counts add up to the whole, and an online-only source
 * is split the same way.
 */
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {historyFeatures, historyTargetFeatures, makeHistoryGroup} from '../../bench/fixture.js';
import {shardOf} from '../../source/core/shard.js';
import {startEmulator, type RunningEmulator} from '../../source/emulator/server.js';
import {LocalStore} from '../../source/stores/local/index.js';
import {runFs, type Run} from '../helpers/cli.js';
import {benchIds, failedRows, finished, groupContents, serviceEnv, type MigrateOutput} from '../helpers/emulated.js';
import {tempDir} from '../helpers/temp.js';

// 300 identifiers, 4 versions each.
const rows = 1200;
/** Where a shard is killed: its copy done but not yet recorded (of 4 shards), its online writes, or the record-by-record path's writes (of 2: fewer runs). */
const kills = [
	{target: 'killed-copy', at: 'offline-copied:1', path: [], count: 4},
	{target: 'killed-online', at: 'batch-written:2', path: [], count: 2},
	{target: 'killed-api', at: 'batch-written:3', path: ['--offline-copy', 'api'], count: 2},
];
const temp = tempDir('fs-shards-');
const dir = path.join(temp.dir, 'store');
let emulator: RunningEmulator;

beforeAll(async () => {
	await makeHistoryGroup(dir, 'source', rows);
	for (const target of ['whole', 'sharded', ...kills.map(kill => kill.target)]) await makeHistoryGroup(dir, target, 0, historyTargetFeatures);
	const store = new LocalStore(dir);
	try {
		for (const name of ['online-source', 'online-target']) {
			await store.createFeatureGroup({
				FeatureGroupName: name, RecordIdentifierFeatureName: 'record_id', EventTimeFeatureName: 'event_time',
				FeatureDefinitions: historyFeatures, OnlineStoreConfig: {EnableOnlineStore: true},
			});
		}
	} finally {
		await store.close();
	}
	emulator = await startEmulator({dir, port: 0, throttleRate: 0.05, seed: 5});
}, 120_000);

afterAll(async () => {
	await emulator?.close();
	temp.remove();
});

const service = (extra: Record<string, string> = {}) => serviceEnv(emulator.url, path.join(temp.dir, 'home'), extra);
const contents = async (name: string) => groupContents(dir, name, ids);

const ids = benchIds(rows / 4);
/** Rows of the source in a shard: four versions of each of its identifiers. */
const shardRows = (index: number, count: number) => ids.filter(id => shardOf(id, count) === index).length * 4;

function succeeded(run: Run) {
	expect(run.stderr).not.toMatch(/✘/);
	expect(run.code).toBe(0);
	return run;
}

/** Failed rows once each: a resume may write a killed run's line again. */
const once = (rows: string[]) => [...new Set(rows)];

/** `fs migrate` against the emulator, its failed-records files in the test's directory. */
const migrate = async (args: string[], extra: Record<string, string> = {}) => runFs(['migrate', ...args, '--max-workers', '2'], {env: service(extra), cwd: temp.dir});

describe('four shards through the emulated service', () => {
	let whole: MigrateOutput;

	it('leave the target as one unsharded record-by-record run does; every row is read by exactly one shard', async () => {
		whole = finished(await migrate(['source', 'whole', '--offline-copy', 'api', '--yes', '--json']));
		expect(whole.result.totals).toMatchObject({read: rows, skipped: 0});
		expect(whole.result.totals.failed).toBeGreaterThan(0);

		const shards = await Promise.all([1, 2, 3, 4].map(async index => migrate(['source', 'sharded', '--shard', `${index}/4`, '--yes', '--json'])));
		const outputs = shards.map(run => finished(run));
		expect(outputs.map(output => output.plan.offlineCopy?.path)).toEqual(['server', 'server', 'server', 'server']);
		const read = outputs.map(output => output.result.totals.read);
		// Each shard read the rows of its identifiers, as the hash puts them.
		expect(read).toEqual([1, 2, 3, 4].map(index => shardRows(index, 4)));
		expect(read.reduce((a, b) => a + b)).toBe(rows);
		expect(Math.min(...read)).toBeGreaterThan(0);
		expect(once(failedRows(...outputs))).toEqual(once(failedRows(whole)));

		const [a, b] = [await contents('whole'), await contents('sharded')];
		expect(b.offline).toHaveLength(a.offline.length);
		expect(b.offline).toEqual(a.offline);
		expect(b.online).toEqual(a.online);
	});

	it.each(kills)('a shard killed -9 at $at ($target, of $count) and resumed with --shard K/N --resume completes its part; the target equals an unsharded run', async ({target, at, path: how, count}) => {
		// The last shard is the one killed.
		const others = await Promise.all(Array.from({length: count - 1}, (_, index) => index + 1).map(async index => migrate(['source', target, ...how, '--shard', `${index}/${count}`, '--batch-size', '10', '--yes', '--json'])));
		const done = others.map(run => finished(run));
		const dead = await migrate(['source', target, ...how, '--shard', `${count}/${count}`, '--batch-size', '10', '--yes'], {FS_TEST_KILL_AT: at});
		expect(dead.signal ?? dead.code).toBe('SIGKILL');

		// The other shards' runs are done; with --shard the resume takes that shard's run (and its path).
		const resumed = finished(await migrate(['source', target, '--shard', `${count}/${count}`, '--resume', '--yes', '--json']));
		expect(resumed.plan.offlineCopy?.path).toBe(how.length > 0 ? 'api' : 'server');
		const {read, written, failed, skipped} = resumed.result.totals;
		// The resume accounts for its whole shard: what the killed run wrote counts too.
		expect(read).toBe(written + failed + skipped);
		expect(read).toBe(shardRows(count, count));
		expect(once(failedRows(...done, resumed))).toEqual(once(failedRows(whole)));
		const [a, b] = [await contents('whole'), await contents(target)];
		if (at.startsWith('offline-copied')) {
			// The copy the kill cut short is removed before it runs again: every row once.
			expect(b.offline).toEqual(a.offline);
		} else {
			// Record by record, a resume may write again what the killed run wrote after its last checkpoint: the offline store keeps both (at-least-once, docs/engine.md).
			expect(new Set(b.offline)).toEqual(new Set(a.offline));
		}

		expect(b.online).toEqual(a.online);
	});
});

describe('shards on the embedded store', () => {
	const local = {FS_STORE: `local:${dir}`, FS_HOME: path.join(temp.dir, 'home-local')};

	it('dry runs of four shards count what the hash puts in each, adding up to the whole; an online-only source is split the same way', async () => {
		const counted = async (source: string, target: string, shard?: string) => {
			const run = succeeded(await runFs(['migrate', source, target, ...(shard ? ['--shard', shard] : []), '--dry-run', '--json'], {env: local}));
			return (JSON.parse(run.stdout) as {plan: {estimatedRecords: number; shard?: string}}).plan;
		};

		const counts = async (source: string, target: string) => {
			const plans = await Promise.all(['1/4', '2/4', '3/4', '4/4'].map(async shard => counted(source, target, shard)));
			expect(plans.map(plan => plan.shard)).toEqual(['1/4', '2/4', '3/4', '4/4']);
			return plans.map(plan => plan.estimatedRecords);
		};

		// Offline: the condition runs in DuckDB (through the Trino layer); the same split as the hash here.
		const offline = await counts('source', 'online-target');
		// The latest record of each identifier but those whose history ends in a delete marker.
		expect(offline).toEqual([1, 2, 3, 4].map(index => ids.filter(id => shardOf(id, 4) === index && Number(id.slice(1)) % 11 !== 0).length));
		expect(offline.reduce((a, b) => a + b)).toBe((await counted('source', 'online-target')).estimatedRecords);

		// Online only: its listed identifiers are split here, by the same hash.
		succeeded(await runFs(['migrate', 'source', 'online-source', '--yes'], {env: local}));
		expect(await counts('online-source', 'online-target')).toEqual(offline);
	});

	it('refuses --shard with --clear-target, and a malformed shard, naming the fix; FS_SHARD stands in for the flag', async () => {
		const clear = await runFs(['migrate', 'source', 'whole', '--shard', '1/2', '--clear-target', '--yes'], {env: local});
		expect(clear.code).toBe(2);
		expect(clear.stderr).toMatch(/--clear-target with --shard/);
		expect(clear.stderr).toMatch(/fs clear/);
		for (const bad of ['0/4', '5/4', '2', 'a/b']) {
			const run = await runFs(['migrate', 'source', 'whole', '--shard', bad, '--dry-run'], {env: local});
			expect(run.code).toBe(2);
			expect(run.stderr).toContain('--shard must be K/N');
		}

		const fromEnv = await runFs(['migrate', 'source', 'whole', '--dry-run', '--json'], {env: {...local, FS_SHARD: '2/3'}});
		expect((JSON.parse(succeeded(fromEnv).stdout) as {plan: {shard: string}}).plan.shard).toBe('2/3');
		const badEnv = await runFs(['migrate', 'source', 'whole', '--dry-run'], {env: {...local, FS_SHARD: '4/3'}});
		expect(badEnv.code).toBe(2);
		expect(badEnv.stderr).toContain('FS_SHARD must be K/N');
	});
});
