/**
 * The client's own ceiling: how fast one machine drives BatchWriteRecord.
 * `fs migrate` from the embedded store into the emulated service, whose
 * runtime acknowledges writes without storing them (--discard-writes) after
 * 20 ms (a round trip to a nearby region): what is left is fs's own work and
 * the bound set by calls in flight (calls × 25 records / latency). Runs of
 * each worker count alternate, and every run is printed.
 */
import path from 'node:path';
import {startEmulator} from '../source/emulator/server.js';
import {makeBenchGroup} from './fixture.js';
import {fmt, measure} from './measure.js';

const latencyMs = 20;
/** BatchWriteRecord's entries a call. */
const perCall = 25;

export async function ceilingSection(work: string) {
	const rows = Number(process.env['FS_BENCH_CEILING_ROWS'] ?? 100_000);
	const rounds = Number(process.env['FS_BENCH_CEILING_ROUNDS'] ?? 2);
	const workerCounts = (process.env['FS_BENCH_CEILING_WORKERS'] ?? '4,16,32').split(',').map(Number);
	const dir = path.join(work, 'ceiling-store');
	await makeBenchGroup(dir, 'source', rows, false, 8);
	for (const workers of workerCounts) await makeBenchGroup(dir, `sink-${workers}`, 0);
	const emulator = await startEmulator({dir, port: 0, latencyMs, discardWrites: true});
	const env = {
		FS_HOME: path.join(work, 'ceiling-home'), FS_ATHENA_OUTPUT: 's3://athena-results/bench/',
		AWS_ENDPOINT_URL: emulator.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
	};
	console.log(`\n## the client's ceiling: BatchWriteRecord into an emulator that discards writes (${latencyMs} ms per call), ${fmt(rows)} records\n`);
	console.log('| run | workers | calls in flight (at most) | bound: calls × 25 / latency | records/s | CPU-s per 100,000 records | seconds (whole run) | write units billed |');
	console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
	try {
		for (let round = 1; round <= rounds; round++) {
			for (const workers of workerCounts) {
				const before = emulator.writes();
				// Each run its own target and run directory: nothing is skipped as already there (writes are discarded).
				const measured = await measure([
					'migrate', 'source', `sink-${workers}`, '--source-store', `local:${dir}`, '--target-store', 'sagemaker',
					'--max-workers', String(workers), '--no-skip-existing', '--yes', '--json',
				], {...env, FS_HOME: path.join(work, `ceiling-home-${round}-${workers}`)});
				// Its verification reads back records that were never stored, and fails (exit 1): every record must still be written.
				const totals = (measured.json as {result?: {totals?: {written: number}}} | undefined)?.result?.totals;
				if (totals?.written !== rows) throw new Error(`migrate into the discarding emulator exited ${measured.code}, ${totals?.written ?? 'no'} records written of ${rows}`);
				const after = emulator.writes();
				const rate = measured.json?.result?.recordsPerSecond ?? rows / measured.seconds;
				// The engine's shared concurrency allows two calls per worker in flight (engine/migrate.ts).
				const calls = workers * 2;
				const bound = calls * perCall / (latencyMs / 1000);
				console.log(`| ${round} | ${workers} | ${calls} | ${fmt(bound)} | ${fmt(rate)} | ${(measured.cpuSeconds / rows * 100_000).toFixed(1)} | ${measured.seconds.toFixed(1)} | ${fmt(after.writeUnits - before.writeUnits)} |`);
			}
		}
	} finally {
		await emulator.close();
	}

	console.log('\nrecords/s is the transfer\'s own; CPU-seconds are the whole fs process (plan, snapshot, workers, verification). The emulator runs in the bench\'s process, on the same cores: acknowledging costs it little, storing nothing.');
}
