/**
 * `--shard K/N` against the AWS service as far as this machine can (the
 * emulator, through the real SDK): four shards run side by side leave the
 * target as one unsharded run does, and so do four shards of which one is
 * killed -9 and then resumed. On the embedded store, the shards' counts add
 * up to the whole, and an online-only source is split the same way.
 */
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {benchFeatures, makeBenchGroup} from '../../bench/fixture.js';
import {shardOf} from '../../source/core/shard.js';
import {startEmulator, type RunningEmulator} from '../../source/emulator/server.js';
import {LocalStore} from '../../source/stores/local/index.js';
import {runFs, type Run} from '../helpers/cli.js';
import {benchIds, groupContents, serviceEnv} from '../helpers/emulated.js';
import {tempDir} from '../helpers/temp.js';

// 300 identifiers, 4 versions each.
const rows = 1200;
const temp = tempDir('fs-shards-');
const dir = path.join(temp.dir, 'store');
let emulator: RunningEmulator;

beforeAll(async () => {
	await makeBenchGroup(dir, 'source', rows);
	for (const target of ['whole', 'sharded', 'killed']) await makeBenchGroup(dir, target, 0);
	const store = new LocalStore(dir);
	try {
		for (const name of ['online-source', 'online-target']) {
			await store.createFeatureGroup({
				FeatureGroupName: name, RecordIdentifierFeatureName: 'record_id', EventTimeFeatureName: 'event_time',
				FeatureDefinitions: benchFeatures, OnlineStoreConfig: {EnableOnlineStore: true},
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

const totals = (run: Run) => (JSON.parse(run.stdout) as {result: {totals: Record<string, number>}}).result.totals;

function succeeded(run: Run) {
	expect(run.stderr).not.toMatch(/✘/);
	expect(run.code).toBe(0);
	return run;
}

describe('four shards through the emulated service', () => {
	it('leave the target as one unsharded run does; every row is read by exactly one shard', async () => {
		const whole = succeeded(await runFs(['migrate', 'source', 'whole', '--yes', '--json'], {env: service()}));
		expect(totals(whole)).toMatchObject({read: rows, written: rows, failed: 0});

		const shards = await Promise.all([1, 2, 3, 4].map(async index => runFs(['migrate', 'source', 'sharded', '--shard', `${index}/4`, '--yes', '--json'], {env: service()})));
		const read = shards.map(run => totals(succeeded(run)).read);
		// Each shard read the rows of its identifiers, as the hash puts them.
		expect(read).toEqual([1, 2, 3, 4].map(index => shardRows(index, 4)));
		expect(read.reduce((a, b) => a + b)).toBe(rows);
		expect(Math.min(...read)).toBeGreaterThan(0);

		const [a, b] = [await contents('whole'), await contents('sharded')];
		expect(b.offline).toHaveLength(rows);
		expect(b.offline).toEqual(a.offline);
		expect(b.online).toEqual(a.online);
	});

	it('a shard killed -9 and resumed with --shard K/N --resume completes its part; the target equals an unsharded run', async () => {
		const others = await Promise.all([1, 2, 4].map(async index => runFs(['migrate', 'source', 'killed', '--shard', `${index}/4`, '--batch-size', '25', '--yes', '--json'], {env: service()})));
		for (const run of others) succeeded(run);
		const dead = await runFs(['migrate', 'source', 'killed', '--shard', '3/4', '--batch-size', '25', '--yes'], {env: service({FS_TEST_KILL_AT: 'batch-written:3'})});
		expect(dead.signal ?? dead.code).toBe('SIGKILL');

		// The other shards' runs are done; with --shard the resume takes that shard's run.
		const resumed = succeeded(await runFs(['migrate', 'source', 'killed', '--shard', '3/4', '--resume', '--yes', '--json'], {env: service()}));
		const {read, written, failed, skipped} = totals(resumed);
		// The resume accounts for its whole shard: what the killed run wrote counts too.
		expect(read).toBe(written + failed + skipped);
		expect(read).toBe(shardRows(3, 4));
		const [a, b] = [await contents('whole'), await contents('killed')];
		// Record by record, a resume may write again what the killed run wrote after its last checkpoint: the offline store keeps both (at-least-once, docs/engine.md).
		expect(new Set(b.offline)).toEqual(new Set(a.offline));
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
		expect(offline).toEqual([1, 2, 3, 4].map(index => shardRows(index, 4) / 4));
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
