/**
 * `--offline-copy server` through the emulated service: the history copied
 * by Athena (UNLOAD into a Glue table's location, INSERT INTO an Iceberg
 * table), then only each identifier's latest record written online. The
 * target must end as the record-by-record path leaves it: offline rows equal
 * as a multiset (the service's own times aside), online records equal, and
 * the same rows in the failed-records file. The history has delete markers,
 * event-time ties and values that cast per value (bench/fixture.ts
 * makeHistoryGroup).
 */
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {historyTargetFeatures, makeHistoryGroup} from '../../bench/fixture.js';
import {startEmulator, type RunningEmulator} from '../../source/emulator/server.js';
import {LocalStore} from '../../source/stores/local/index.js';
import {appears, runFs, startFs} from '../helpers/cli.js';
import {benchIds, failedRows, finished, groupContents, serviceEnv, type MigrateOutput as Output} from '../helpers/emulated.js';
import {tempDir} from '../helpers/temp.js';

const sizes = [0, 1, 999, 1000, 1001];
const temp = tempDir('fs-server-copy-');
const dir = path.join(temp.dir, 'store');
let emulator: RunningEmulator;

beforeAll(async () => {
	for (const rows of sizes) {
		await makeHistoryGroup(dir, `source-${rows}`, rows);
		await makeHistoryGroup(dir, `api-${rows}`, 0, historyTargetFeatures);
		await makeHistoryGroup(dir, `server-${rows}`, 0, historyTargetFeatures);
	}

	for (const name of ['stopped-server', 'stopped-api', 'fresh-after-kill']) await makeHistoryGroup(dir, name, 0, historyTargetFeatures);
	// A Fractional into a String feature: fs prints 2.0 as "2", SQL as "2.0": no value is copied server-side.
	await makeHistoryGroup(dir, 'score-as-text', 0, historyTargetFeatures.map(feature => (feature.FeatureName === 'score' ? {...feature, FeatureType: 'String' as const} : feature)));
	const store = new LocalStore(dir);
	try {
		for (const rows of sizes) {
			await store.createFeatureGroup({
				FeatureGroupName: `iceberg-${rows}`, RecordIdentifierFeatureName: 'record_id', EventTimeFeatureName: 'event_time', FeatureDefinitions: historyTargetFeatures,
				OnlineStoreConfig: {EnableOnlineStore: true}, OfflineStoreConfig: {S3StorageConfig: {S3Uri: 's3://bench/fs'}, TableFormat: 'Iceberg'},
			});
		}
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
/** Failed-records files go to the test's own directory; two workers at most (each is a thread with its own V8 and SDK clients: the fixed cost of a run on a busy machine). */
const run = async (args: string[], extra: Record<string, string> = {}) => runFs(args[0] === 'migrate' && !args.includes('--max-workers') ? [...args, '--max-workers', '2'] : args, {env: {...env(), ...extra}, cwd: temp.dir});
const contents = async (name: string, ids: number) => groupContents(dir, name, benchIds(ids));

/** The record-by-record runs, by size: what the server-side runs are compared with. */
const apiRuns = new Map<number, Output>();

describe('the offline history copied by Athena', () => {
	it.each(sizes)('%i rows into a Glue table (UNLOAD) and an Iceberg table (INSERT INTO): the target and the failed rows equal the record-by-record path\'s', async rows => {
		const api = finished(await run(['migrate', `source-${rows}`, `api-${rows}`, '--offline-copy', 'api', '--yes', '--json']));
		apiRuns.set(rows, api);
		expect(api.plan.offlineCopy).toMatchObject({path: 'api'});
		// Unset, the history goes server-side: the default where the copy is exact.
		for (const target of [`server-${rows}`, `iceberg-${rows}`]) await sameAsApi(rows, api, finished(await run(['migrate', `source-${rows}`, target, '--yes', '--json'])), target);
	});

	async function sameAsApi(rows: number, api: Output, server: Output, target: string) {
		expect(server.plan.offlineCopy).toEqual({path: 'server', residual: true});
		const identifiers = Math.ceil(rows / 4);
		expect(server.result.totals).toMatchObject({read: rows, written: api.result.totals.written, failed: api.result.totals.failed, skipped: 0});
		if (rows >= 999) expect(api.result.totals.failed).toBeGreaterThan(0);
		// Identifiers with a value SQL cannot cast go through the API whole; the others' latest record goes online only.
		const residual = server.plan.onlineRecords! - server.result.online!.read!;
		expect(server.result.offlineCopied! + residual).toBe(rows);
		expect(server.result.online!.read).toBeLessThanOrEqual(identifiers);
		if (rows >= 999) expect([server.result.online!.read! > 0, residual > 0]).toEqual([true, true]);
		expect(failedRows(server)).toEqual(failedRows(api));
		const [a, b] = [await contents(`api-${rows}`, identifiers), await contents(target, identifiers)];
		expect(b.offline).toHaveLength(a.offline.length);
		expect(b.offline).toEqual(a.offline);
		expect(b.online).toEqual(a.online);
	}

	it('a run again skips every row the target holds; the failed rows fail again', async () => {
		const api = apiRuns.get(1001)!;
		const again = finished(await run(['migrate', 'source-1001', 'iceberg-1001', '--yes', '--json']));
		expect(again.result.totals).toMatchObject({read: 1001, written: 0, skipped: 1001 - api.result.totals.failed!, failed: api.result.totals.failed});
		expect(failedRows(again)).toEqual(failedRows(api));
		const [a, b] = [await contents('api-1001', 251), await contents('iceberg-1001', 251)];
		expect(b.offline).toEqual(a.offline);
		expect(b.online).toEqual(a.online);
	});

	it('a new run after one killed -9 once its copy was made (no --resume) skips the copied rows and still writes the latest records online; its progress is the workers\' share', async () => {
		const dead = await run(['migrate', 'source-1001', 'fresh-after-kill', '--yes'], {FS_TEST_KILL_AT: 'offline-copied:1'});
		expect(dead.signal ?? dead.code).toBe('SIGKILL');
		// Held once every row is written and reported, it prints its progress: the workers' share, at 100%, not the copied rows on top.
		const release = path.join(temp.dir, 'release-fresh');
		const running = startFs(['migrate', 'source-1001', 'fresh-after-kill', '--max-workers', '2', '--yes', '--json'], {
			env: {...env(), FS_TEST_HOLD_AT: 'transferred:1', FS_TEST_HOLD_FILE: release, FS_PROGRESS_INTERVAL_MS: '50'}, cwd: temp.dir,
		});
		await appears(`${release}.held`, running);
		await new Promise(resolve => setTimeout(resolve, 300));
		writeFileSync(release, '');
		const ended = await running.done;
		const fresh = finished(ended);
		const last = [...ended.stderr.matchAll(/\] ([\d,]+) \/ ([\d,]+) \(([\d.]+)%\)/g)].at(-1)!;
		expect([last[1], last[3]]).toEqual([last[2], '100.0']);
		expect(fresh.result.totals.skipped).toBeGreaterThan(0);
		expect(fresh.result.online!.written).toBeGreaterThan(0);
		const api = apiRuns.get(1001)!;
		expect(failedRows(fresh)).toEqual(failedRows(api));
		const [a, b] = [await contents('api-1001', 251), await contents('fresh-after-kill', 251)];
		expect(b.offline).toEqual(a.offline);
		expect(b.online).toEqual(a.online);
	});

	it.each(['server', 'api'])('Ctrl-C during the writes (offline: %s) stops after the batches in flight, says how to resume, exits 130; the resume ends as the record-by-record path', async copy => {
		const release = path.join(temp.dir, `release-${copy}`);
		// One worker, held at its first call: it reads at most a few calls' rows ahead, so most of its rows are left when the stop comes.
		const running = startFs(['migrate', 'source-1001', `stopped-${copy}`, '--offline-copy', copy, '--batch-size', '10', '--max-workers', '1', '--yes'], {
			env: {...env(), FS_TEST_HOLD_AT: 'batch-written:1', FS_TEST_HOLD_FILE: release, FS_PROGRESS_INTERVAL_MS: '50'}, cwd: temp.dir,
		});
		await appears(`${release}.held`, running);
		// Progress lines while it is held: the workers' share, never past its whole.
		await new Promise(resolve => setTimeout(resolve, 300));
		process.kill(running.pid, 'SIGINT');
		writeFileSync(release, '');
		const stopped = await running.done;
		expect(stopped.stdout).toContain('Migration stopped');
		expect(stopped.stderr).toMatch(new RegExp(`Resume: fs migrate source-1001 stopped-${copy} .*--resume --run-id \\S+ --yes`));
		expect(stopped.code).toBe(130);
		const progress = [...stopped.stderr.matchAll(/\] ([\d,]+)(?: \(\+[\d,]+ loading\))? \/ ([\d,]+) \(/g)].map(match => [Number(match[1]!.replaceAll(',', '')), Number(match[2]!.replaceAll(',', ''))]);
		expect(progress.length).toBeGreaterThan(0);
		for (const [done, whole] of progress) expect(done).toBeLessThanOrEqual(whole!);
		// Held at its first call, the worker has done at most that call's rows: the copy's rows are not its share.
		expect(progress[0]![0]).toBeLessThanOrEqual(10);
		const resumed = finished(await run(['migrate', 'source-1001', `stopped-${copy}`, '--resume', '--yes', '--json']));
		const api = apiRuns.get(1001)!;
		// The resume counts what the stopped run did as skipped; its failed rows are in the same file.
		const {read, written, failed, skipped} = resumed.result.totals;
		expect([read, written! + failed! + skipped!]).toEqual([1001, 1001]);
		expect(failedRows(resumed)).toEqual(failedRows(api));
		const [a, b] = [await contents('api-1001', 251), await contents(`stopped-${copy}`, 251)];
		// A stop lets the batches in flight finish and saves the checkpoint after them: nothing is written twice.
		expect(b.offline).toEqual(a.offline);
		expect(b.online).toEqual(a.online);
	});

	it('a cast SQL cannot match for any value makes the API path the default, the plan says why, and a run again skips what it wrote', async () => {
		const dry = await run(['migrate', 'source-1', 'score-as-text', '--dry-run', '--json']);
		expect(dry.code).toBe(0);
		const {plan} = JSON.parse(dry.stdout) as Output;
		expect(plan.offlineCopy).toEqual({path: 'api', why: 'score: Fractional → String (only fs casts it exactly)' as unknown});
		const forced = await run(['migrate', 'source-1', 'score-as-text', '--offline-copy', 'server', '--dry-run']);
		expect(forced.code).toBe(2);
		expect(forced.stderr).toContain('score: Fractional → String (only fs casts it exactly)');
		// Through the API, then again: the rows are there (a whole double written as `2`, compared so), nothing is written twice.
		const first = finished(await run(['migrate', 'source-999', 'score-as-text', '--yes', '--json']));
		const again = finished(await run(['migrate', 'source-999', 'score-as-text', '--yes', '--json']));
		expect(again.result.totals).toMatchObject({read: 999, written: 0, skipped: first.result.totals.written, failed: first.result.totals.failed});
	});

	it('is refused where it cannot run, naming why; the embedded store keeps its bulk loads', async () => {
		const local = await runFs(['migrate', 'source-1', 'api-1', '--offline-copy', 'server', '--dry-run'], {env: {FS_STORE: `local:${dir}`, FS_HOME: path.join(temp.dir, 'home-local')}});
		expect(local.code).toBe(2);
		expect(local.stderr).toContain('Only the service\'s Athena copies an offline history server-side');
		const bad = await run(['migrate', 'source-1', 'api-1', '--offline-copy', 'fast', '--dry-run']);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('--offline-copy must be one of api, server, got "fast"');
		const none = await run(['migrate', 'source-1', 'api-1', '--dry-run', '--offline-copy']);
		expect(none.code).toBe(2);
		expect(none.stderr).toContain('--offline-copy needs a value: one of api, server.');
	});
});
