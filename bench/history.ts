/**
 * A history migrated into the emulated service (20 ms a call) both ways:
 * copied by Athena with each identifier's latest record written online (the
 * default), and every row through the API (`--offline-copy api`). Per run:
 * records/s over the whole run, BatchWriteRecord calls made, Athena
 * statements, and the write units the service would bill (the emulator's
 * tally). The aim: write units billed = identifiers, not versions. Runs of
 * the two paths alternate, and every run is printed.
 */
import path from 'node:path';
import {athenaStatements, startEmulator} from '../source/emulator/server.js';
import {makeBenchGroup} from './fixture.js';
import {fmt, measure} from './measure.js';

const latencyMs = 20;

export async function historySection(work: string) {
	const rows = Number(process.env['FS_BENCH_HISTORY_ROWS'] ?? 40_000);
	const rounds = Number(process.env['FS_BENCH_HISTORY_ROUNDS'] ?? 2);
	const dir = path.join(work, 'history-store');
	// The bench fixture: four versions of each identifier.
	await makeBenchGroup(dir, 'source', rows, true, 4);
	const paths = ['server', 'api'] as const;
	for (let round = 1; round <= rounds; round++) for (const copy of paths) await makeBenchGroup(dir, `target-${copy}-${round}`, 0);
	const emulator = await startEmulator({dir, port: 0, latencyMs});
	const env = {
		FS_STORE: 'sagemaker', FS_ATHENA_OUTPUT: 's3://athena-results/bench/',
		AWS_ENDPOINT_URL: emulator.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
	};
	const identifiers = Math.ceil(rows / 4);
	console.log(`\n## a history into the service: copied by Athena against every row through the API (${fmt(rows)} rows, ${fmt(identifiers)} identifiers, ${latencyMs} ms a call)\n`);
	console.log('| run | offline | seconds | records/s | BatchWriteRecord calls | Athena statements | records written through the API | write units billed | units ÷ identifiers |');
	console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|');
	const seconds: Record<string, number[]> = {server: [], api: []};
	try {
		for (let round = 1; round <= rounds; round++) {
			const order = round % 2 === 1 ? paths : [...paths].reverse();
			for (const copy of order) {
				const before = {writes: emulator.writes(), calls: emulator.requests('/BatchWriteRecord'), athena: emulator.requests(athenaStatements)};
				const measured = await measure(['migrate', 'source', `target-${copy}-${round}`, '--offline-copy', copy, '--yes', '--json'], {...env, FS_HOME: path.join(work, `history-home-${copy}-${round}`)});
				const totals = (measured.json as {result?: {totals?: {read: number; written: number}}} | undefined)?.result?.totals;
				if (measured.code !== 0 || totals?.written !== rows) throw new Error(`migrate (${copy}) exited ${measured.code}, ${totals?.written ?? 'no'} rows written of ${rows}`);
				const writes = emulator.writes();
				const units = writes.writeUnits - before.writes.writeUnits;
				seconds[copy]!.push(measured.seconds);
				console.log(`| ${round} | ${copy === 'server' ? 'Athena' : 'API'} | ${measured.seconds.toFixed(1)} | ${fmt(rows / measured.seconds)} | ${fmt(emulator.requests('/BatchWriteRecord') - before.calls)} | ${fmt(emulator.requests(athenaStatements) - before.athena)} | ${fmt(writes.records - before.writes.records)} | ${fmt(units)} | ${(units / identifiers).toFixed(2)} |`);
			}
		}
	} finally {
		await emulator.close();
	}

	const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
	console.log(`\nAthena's run ÷ the API's: ${(median(seconds['server']!) / median(seconds['api']!)).toFixed(2)} of the time (medians). Seconds are the whole fs process (plan, counts, snapshot, copy, writes, verification); the emulator's Athena is DuckDB on the same cores.`);
}
