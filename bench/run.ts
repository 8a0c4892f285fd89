/**
 * `npm run bench`: measurements, not assertions. Prints a table per section.
 * Sections (FS_BENCH_SECTIONS, default all): migrate (records/s against the
 * DuckDB COPY floor, peak RSS), export (memory flat with the row count).
 * FS_BENCH_ROWS overrides the large row count (default 1,000,000).
 */
import {spawn} from 'node:child_process';
import {mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {makeBenchGroup} from './fixture.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const large = Number(process.env['FS_BENCH_ROWS'] ?? 1_000_000);
const small = Math.max(1, Math.round(large / 10));

interface Measured {
	maxRssMb: number;
	seconds: number;
	code: number;
}

export function measure(args: string[], env: Record<string, string> = {}): Promise<Measured> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [path.join(here, 'rss.js'), ...args], {env: {...process.env, NO_COLOR: '1', ...env}, stdio: ['ignore', 'ignore', 'pipe']});
		let stderr = '';
		child.stderr.on('data', chunk => {
			stderr += chunk;
		});
		child.on('error', reject);
		child.on('close', () => {
			const last = stderr.trim().split('\n').at(-1) ?? '';
			try {
				resolve(JSON.parse(last) as Measured);
			} catch {
				reject(new Error(`fs ${args.join(' ')} failed:\n${stderr}`));
			}
		});
	});
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function exportSection(work: string) {
	const dir = path.join(work, 'store');
	await makeBenchGroup(dir, 'bench-small', small);
	await makeBenchGroup(dir, 'bench-large', large);
	console.log(`\n## export: memory against row count (20 features)\n`);
	console.log('| rows | format | seconds | rows/s | peak RSS MB | file MB |');
	console.log('|---:|---|---:|---:|---:|---:|');
	for (const format of ['csv', 'json', 'parquet']) {
		for (const [group, rows] of [['bench-small', small], ['bench-large', large]] as const) {
			const file = path.join(work, `${group}.${format}`);
			const result = await measure(['export', group, file, '--store', `local:${dir}`, '--format', format]);
			if (result.code !== 0) throw new Error(`export exited ${result.code}`);
			console.log(`| ${fmt(rows)} | ${format} | ${result.seconds.toFixed(1)} | ${fmt(rows / result.seconds)} | ${fmt(result.maxRssMb)} | ${fmt(statSync(file).size / 1e6)} |`);
			rmSync(file);
		}
	}
}

/** The floor: DuckDB copying the same rows Parquet → Parquet, nothing else. */
async function copyFloor(dir: string, group: string, out: string): Promise<number> {
	const {LocalStore} = await import('../source/stores/local/index.js');
	const {loadDuckDB, sqlString} = await import('../source/io/duckdb.js');
	const store = new LocalStore(dir);
	const {dir: data} = store.offlineFiles(group);
	await store.close();
	const {DuckDBInstance} = await loadDuckDB();
	const connection = await (await DuckDBInstance.create(':memory:')).connect();
	const started = performance.now();
	await connection.run(`COPY (SELECT * FROM read_parquet(${sqlString(path.join(data, '**', '*.parquet'))})) TO ${sqlString(out)} (FORMAT parquet)`);
	const seconds = (performance.now() - started) / 1000;
	connection.closeSync();
	rmSync(out, {force: true});
	return seconds;
}

async function migrateSection(work: string) {
	const dir = path.join(work, 'migrate-store');
	await makeBenchGroup(dir, 'source-small', small);
	await makeBenchGroup(dir, 'source-large', large);
	const floor = await copyFloor(dir, 'source-large', path.join(work, 'floor.parquet'));
	console.log(`\n## migrate local → local, history mode, 20 features\n`);
	console.log(`Floor: DuckDB COPY of the ${fmt(large)} rows Parquet → Parquet: ${floor.toFixed(2)} s (${fmt(large / floor)} rows/s).\n`);
	console.log('| rows | options | seconds | records/s | peak RSS MB | × floor |');
	console.log('|---:|---|---:|---:|---:|---:|');
	const runs: Array<[string, number, string[]]> = [
		['source-small', small, []],
		['source-large', large, []],
		['source-large', large, ['--batch-size', '1000', '--max-workers', '2']],
	];
	for (const [index, [source, rows, flags]] of runs.entries()) {
		const target = `target-${index}`;
		await makeBenchGroup(dir, target, 0);
		const result = await measure(['migrate', source, target, '--store', `local:${dir}`, '--yes', '--json', ...flags], {FS_HOME: path.join(work, 'home')});
		if (result.code !== 0) throw new Error(`migrate exited ${result.code}`);
		const label = flags.length > 0 ? flags.join(' ') : 'defaults (--batch-size 100 --max-workers 4)';
		const floorFor = floor * rows / large;
		console.log(`| ${fmt(rows)} | ${label} | ${result.seconds.toFixed(1)} | ${fmt(rows / result.seconds)} | ${fmt(result.maxRssMb)} | ${(result.seconds / floorFor).toFixed(0)}× |`);
	}
}

const work = mkdtempSync(path.join(tmpdir(), 'fs-bench-'));
const sections = (process.env['FS_BENCH_SECTIONS'] ?? 'migrate,export').split(',');
try {
	console.log(`# fs benchmarks — node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
	if (sections.includes('migrate')) await migrateSection(work);
	if (sections.includes('export')) await exportSection(work);
} finally {
	rmSync(work, {recursive: true, force: true});
}
