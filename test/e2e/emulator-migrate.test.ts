/**
 * `fs migrate` against the AWS service, as far as this machine can: the
 * sagemaker adapter and the real AWS SDK talking to the emulator, which
 * throttles a fifth of the calls, fails one in a hundred with an internal
 * error and leaves random BatchWriteRecord entries unprocessed, on both
 * paths of a history: copied by Athena with the latest records written
 * online (the default), and every row through the API. The target must end
 * equal to the source: nothing lost, nothing doubled.
 */
import path from 'node:path';
import {afterAll, beforeAll, expect, it} from 'vitest';
import {makeBenchGroup} from '../../bench/fixture.js';
import {startEmulator, type RunningEmulator} from '../../source/emulator/server.js';
import {LocalStore} from '../../source/stores/local/index.js';
import {runFs} from '../helpers/cli.js';
import {serviceEnv} from '../helpers/emulated.js';
import {tempDir} from '../helpers/temp.js';

// 10,000 in the suite (ten pages of Athena results, a hundred batches under
// faults); FS_TEST_EMULATOR_ROWS=1000000 for a long run, `npm run bench` for speed.
const rows = Number(process.env['FS_TEST_EMULATOR_ROWS'] ?? 10_000);
const paths = ['server', 'api'] as const;
const temp = tempDir('fs-emulated-migrate-');
const dir = path.join(temp.dir, 'store');
let emulator: RunningEmulator;

beforeAll(async () => {
	await makeBenchGroup(dir, 'source', rows);
	for (const path of paths) await makeBenchGroup(dir, `target-${path}`, 0);
	emulator = await startEmulator({dir, port: 0, throttleRate: 0.2, errorRate: 0.01, partialRate: 0.01, seed: 11});
}, 120_000);

afterAll(async () => {
	await emulator?.close();
	temp.remove();
});

/** Offline rows (write times left out) as sorted lines, and the online records. */
async function contents(store: LocalStore, name: string) {
	const offline: string[] = [];
	for await (const batch of store.readOffline(name, {mode: 'history'})) {
		for (let row = 0; row < batch.length; row++) offline.push(JSON.stringify(batch.columns.map(column => column[row])));
	}

	const online = new Map<string, unknown>();
	for await (const batch of store.readOffline('source', {mode: 'snapshot', columns: ['record_id']})) {
		for (const id of batch.columns[0]!) online.set(id as string, await store.getRecord(name, id as string));
	}

	return {offline: offline.sort(), online};
}

it.each(paths)(`migrates ${rows.toLocaleString('en-US')} records through throttling, internal errors and partial batch failures, exactly (offline: %s)`, async copy => {
	const target = `target-${copy}`;
	// Unset, the history is copied server-side: the default where it is exact.
	const result = await runFs(['migrate', 'source', target, ...(copy === 'api' ? ['--offline-copy', 'api'] : []), '--yes', '--json'], {
		env: serviceEnv(emulator.url, path.join(temp.dir, 'home')),
	});
	expect(result.stderr).not.toMatch(/✘/);
	expect(result.code).toBe(0);
	const parsed = JSON.parse(result.stdout) as {plan: {offlineCopy: {path: string}}; result: {totals: Record<string, number>; retries: number; online?: Record<string, number>}};
	expect(parsed.plan.offlineCopy.path).toBe(copy);
	expect(parsed.result.totals).toEqual({read: rows, written: rows, failed: 0, skipped: 0, deletes: 0});
	if (copy === 'server') expect(parsed.result.online).toMatchObject({written: rows / 4, failed: 0});
	expect(parsed.result.retries).toBeGreaterThan(0);

	const store = new LocalStore(dir);
	try {
		const source = await contents(store, 'source');
		const written = await contents(store, target);
		expect(written.offline.length).toBe(rows);
		expect(written.offline).toEqual(source.offline);
		expect(written.online.size).toBe(rows / 4);
		// Online: the latest version of every identifier, as the source's snapshot has it.
		let compared = 0;
		for await (const batch of store.readOffline('source', {mode: 'snapshot'})) {
			for (let row = 0; row < batch.length; row++) {
				const expected = Object.fromEntries(batch.names.map((name, column) => [name, batch.columns[column]![row]]));
				expect(written.online.get(expected['record_id'] as string)).toEqual(expected);
				compared++;
			}
		}

		expect(compared).toBe(rows / 4);
	} finally {
		await store.close();
	}
}, 600_000);
