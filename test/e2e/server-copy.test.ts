/**
 * `--offline-copy server` through the emulated service: the history copied
 * by Athena (UNLOAD into a Glue table's location, INSERT INTO an Iceberg
 * table), then only each identifier's latest record written online. The
 * target must end as the record-by-record path leaves it: offline rows equal
 * as a multiset (the service's own times aside), online records equal.
 */
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {benchFeatures, makeBenchGroup} from '../../bench/fixture.js';
import {startEmulator, type RunningEmulator} from '../../source/emulator/server.js';
import {LocalStore} from '../../source/stores/local/index.js';
import {runFs, type Run} from '../helpers/cli.js';
import {benchIds, groupContents, serviceEnv} from '../helpers/emulated.js';
import {tempDir} from '../helpers/temp.js';

const sizes = [0, 1, 999, 1000, 1001];
const temp = tempDir('fs-server-copy-');
const dir = path.join(temp.dir, 'store');
let emulator: RunningEmulator;

beforeAll(async () => {
	for (const rows of sizes) {
		await makeBenchGroup(dir, `source-${rows}`, rows);
		await makeBenchGroup(dir, `api-${rows}`, 0);
		await makeBenchGroup(dir, `server-${rows}`, 0);
	}

	const store = new LocalStore(dir);
	try {
		await store.createFeatureGroup({
			FeatureGroupName: 'iceberg', RecordIdentifierFeatureName: 'record_id', EventTimeFeatureName: 'event_time', FeatureDefinitions: benchFeatures,
			OnlineStoreConfig: {EnableOnlineStore: true}, OfflineStoreConfig: {S3StorageConfig: {S3Uri: 's3://bench/fs'}, TableFormat: 'Iceberg'},
		});
	} finally {
		await store.close();
	}

	emulator = await startEmulator({dir, port: 0, throttleRate: 0.05, seed: 3});
}, 180_000);

afterAll(async () => {
	await emulator?.close();
	temp.remove();
});

const env = () => serviceEnv(emulator.url, path.join(temp.dir, 'home'));
const contents = async (name: string, ids: number) => groupContents(dir, name, benchIds(ids));

function succeeded(run: Run) {
	expect(run.stderr).not.toMatch(/✘/);
	expect(run.code).toBe(0);
	return JSON.parse(run.stdout) as {plan: {offlineCopy?: {path: string}; onlineRecords?: number}; result: {totals: Record<string, number>; online?: Record<string, number>; offlineCopied?: number}};
}

describe('the offline history copied by Athena', () => {
	it.each(sizes)('%i rows into a Glue table: the target equals the record-by-record path\'s; one online write per identifier', async rows => {
		const api = succeeded(await runFs(['migrate', `source-${rows}`, `api-${rows}`, '--yes', '--json'], {env: env()}));
		const server = succeeded(await runFs(['migrate', `source-${rows}`, `server-${rows}`, '--offline-copy', 'server', '--yes', '--json'], {env: env()}));
		expect(api.plan.offlineCopy).toBeUndefined();
		expect(server.plan.offlineCopy).toEqual({path: 'server'});
		const identifiers = Math.ceil(rows / 4);
		expect(server.plan.onlineRecords).toBe(identifiers);
		expect(server.result.totals).toMatchObject({read: rows, written: rows, failed: 0, skipped: 0});
		expect(server.result.offlineCopied).toBe(rows);
		expect(server.result.online).toMatchObject({written: identifiers, failed: 0});
		const [a, b] = [await contents(`api-${rows}`, identifiers), await contents(`server-${rows}`, identifiers)];
		expect(b.offline).toHaveLength(rows);
		expect(b.offline).toEqual(a.offline);
		expect(b.online).toEqual(a.online);
	});

	it('into an Iceberg table (INSERT INTO), the same; a run again skips every row the target holds', async () => {
		const server = succeeded(await runFs(['migrate', 'source-1001', 'iceberg', '--offline-copy', 'server', '--yes', '--json'], {env: env()}));
		expect(server.result.totals).toMatchObject({read: 1001, written: 1001});
		const [a, b] = [await contents('api-1001', 251), await contents('iceberg', 251)];
		expect(b.offline).toEqual(a.offline);
		expect(b.online).toEqual(a.online);
		const again = succeeded(await runFs(['migrate', 'source-1001', 'iceberg', '--offline-copy', 'server', '--yes', '--json'], {env: env()}));
		expect(again.result.totals).toMatchObject({read: 1001, written: 0, skipped: 1001});
		expect((await contents('iceberg', 0)).offline).toHaveLength(1001);
	});

	it('is refused where it cannot run, naming why; the embedded store keeps its bulk loads', async () => {
		const local = await runFs(['migrate', 'source-1', 'api-1', '--offline-copy', 'server', '--dry-run'], {env: {FS_STORE: `local:${dir}`, FS_HOME: path.join(temp.dir, 'home-local')}});
		expect(local.code).toBe(2);
		expect(local.stderr).toContain('Only the service\'s Athena copies an offline history server-side');
		const bad = await runFs(['migrate', 'source-1', 'api-1', '--offline-copy', 'fast', '--dry-run'], {env: env()});
		expect(bad.code).toBe(2);
	});
});
