/**
 * `npm run bench`: measurements, not assertions. Prints a table per section.
 * Sections (FS_BENCH_SECTIONS, default all): migrate (records/s against the
 * DuckDB COPY floor, peak RSS), view (the Ink view against headless; needs
 * tmux), export (memory flat with the row count), emulator (the AWS path
 * with 20 ms latency against one PutRecord at a time), ceiling (the client's
 * own ceiling into an emulator that discards writes: records/s, CPU per
 * 100,000 records, the bound of calls in flight), history (a history into
 * the service copied by Athena against every row through the API: records/s,
 * calls, write units billed).
 * FS_BENCH_ROWS overrides the large row count (default 1,000,000).
 * compare (only when FS_BENCH_BASELINE names another checkout of fs, built):
 * the same migrations by this build and by that one, alternating.
 */
import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {ceilingSection} from './ceiling.js';
import {emulatorSection} from './emulator.js';
import {historySection} from './history.js';
import {makeBenchGroup} from './fixture.js';
import {fmt, measure} from './measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const large = Number(process.env['FS_BENCH_ROWS'] ?? 1_000_000);
const small = Math.max(1, Math.round(large / 10));

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
	// The best of three: the floor is what DuckDB can do on this machine.
	let seconds = Number.POSITIVE_INFINITY;
	for (let run = 0; run < 3; run++) {
		const started = performance.now();
		await connection.run(`COPY (SELECT * FROM read_parquet(${sqlString(path.join(data, '**', '*.parquet'))})) TO ${sqlString(out)} (FORMAT parquet)`);
		seconds = Math.min(seconds, (performance.now() - started) / 1000);
	}

	connection.closeSync();
	rmSync(out, {force: true});
	return seconds;
}

/** Runs of each migration (FS_BENCH_MIGRATE_RUNS, default 3): one run on a small machine varies by a fifth. */
const migrateRuns = Number(process.env['FS_BENCH_MIGRATE_RUNS'] ?? 3);

async function migrateSection(work: string) {
	const dir = path.join(work, 'migrate-store');
	await makeBenchGroup(dir, 'source-small', small);
	await makeBenchGroup(dir, 'source-large', large);
	// The same rows in files of 10,000: too small to read in place, so the snapshot copies them.
	await makeBenchGroup(dir, 'source-files', large, true, Math.ceil(large / 10_000));
	const floor = await copyFloor(dir, 'source-large', path.join(work, 'floor.parquet'));
	console.log(`\n## migrate local → local, history mode, 20 features\n`);
	console.log(`Floor: DuckDB COPY of the ${fmt(large)} rows Parquet → Parquet, best of 3: ${floor.toFixed(2)} s (${fmt(large / floor)} rows/s).\n`);
	console.log(`Each migration runs ${migrateRuns} times into an empty target, like the floor: seconds and records/s of the best run, the peak RSS of all.\n`);
	console.log('| rows | options | seconds (best) | records/s | peak RSS MB | × floor | runs (s) |');
	console.log('|---:|---|---:|---:|---:|---:|---|');
	// Tuned: more memory for every DuckDB (1 GB instead of 256 MB for the
	// snapshot and 128 MB per worker); the flags change nothing more on 2 cores.
	const runs: Array<[string, number, Record<string, string>, string]> = [
		['source-small', small, {}, ''],
		['source-large', large, {}, ''],
		['source-large', large, {FS_DUCKDB_MEMORY: '1GB'}, ''],
		['source-files', large, {}, `, in ${fmt(Math.ceil(large / 10_000))} files (copied)`],
	];
	for (const [index, [source, rows, env, note]] of runs.entries()) {
		const seconds: number[] = [];
		let rss = 0;
		for (let run = 0; run < migrateRuns; run++) {
			const target = `target-${index}-${run}`;
			await makeBenchGroup(dir, target, 0);
			const result = await measure(['migrate', source, target, '--store', `local:${dir}`, '--yes', '--json'], {FS_HOME: path.join(work, 'home'), ...env});
			if (result.code !== 0) throw new Error(`migrate exited ${result.code}`);
			seconds.push(result.seconds);
			rss = Math.max(rss, result.maxRssMb);
		}

		const best = Math.min(...seconds);
		const tuned = Object.entries(env).map(([name, value]) => `${name}=${value}`).join(' ');
		const label = tuned ? `defaults, ${tuned}` : 'defaults (--batch-size 100 --max-workers 4)';
		const floorFor = floor * rows / large;
		console.log(`| ${fmt(rows)}${note} | ${label} | ${best.toFixed(1)} | ${fmt(rows / best)} | ${fmt(rss)} | ${(best / floorFor).toFixed(1)}× | ${seconds.map(value => value.toFixed(1)).join(', ')} |`);
	}
}

/**
 * The same migration headless (plain lines) and with the Ink view in a real
 * terminal (tmux), alternating, FS_BENCH_VIEW_RUNS times each (default 5):
 * single runs on a small machine vary too much to compare.
 */
async function viewSection(work: string) {
	const dir = path.join(work, 'view-store');
	const rows = small;
	await makeBenchGroup(dir, 'view-source', rows);
	const home = path.join(work, 'view-home');
	const runs = Number(process.env['FS_BENCH_VIEW_RUNS'] ?? 5);
	const headless: number[] = [];
	const ink: number[] = [];
	for (let run = 0; run < runs; run++) {
		await makeBenchGroup(dir, `view-headless-${run}`, 0);
		await makeBenchGroup(dir, `view-ink-${run}`, 0);
		// Both in the same terminal (tmux), so the terminal's own cost is in both.
		headless.push(await inkRun(dir, home, `view-headless-${run}`, true));
		ink.push(await inkRun(dir, home, `view-ink-${run}`, false));
	}

	const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
	const plainRate = median(headless);
	const inkRate = median(ink);
	console.log(`\n## migrate with the Ink view against headless (${fmt(rows)} rows, defaults, median of ${runs})\n`);
	console.log('| view | records/s (median) | runs |');
	console.log('|---|---:|---|');
	console.log(`| headless (--yes, plain lines) | ${fmt(plainRate)} | ${headless.map(fmt).join(', ')} |`);
	console.log(`| Ink view in tmux 80×24 | ${fmt(inkRate)} (${((100 * (inkRate - plainRate)) / plainRate).toFixed(1)}%) | ${ink.map(fmt).join(', ')} |`);
}

/** One migration in tmux at 80×24: with the Ink view, or headless (--yes: plain lines); its engine's records/s. */
async function inkRun(dir: string, home: string, target: string, headless: boolean): Promise<number> {
	const socket = `fs-bench-${process.pid}-${target}`;
	const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], {encoding: 'utf8'});
	const cli = path.join(here, '..', 'source', 'cli.js');
	tmux('new-session', '-d', '-s', 'bench', '-x', '80', '-y', '24', `env -u CI -u NO_COLOR FS_STORE=local:${dir} FS_HOME=${home} TERM=xterm-256color ${process.execPath} ${cli} migrate view-source ${target}${headless ? ' --yes' : ''}; sleep 600`);
	const screen = () => tmux('capture-pane', '-p', '-t', 'bench');
	const waitFor = async (pattern: RegExp) => {
		for (let waited = 0; !pattern.test(screen()); waited += 100) {
			if (waited > 1_800_000) throw new Error(`the Ink run never showed ${pattern}`);
			await new Promise(resolve => setTimeout(resolve, 100));
		}
	};

	try {
		if (!headless) {
			await waitFor(/Estimated records/);
			tmux('send-keys', '-t', 'bench', 'Enter');
			await waitFor(/\[y\/n\]/);
			tmux('send-keys', '-t', 'bench', 'y');
		}

		await waitFor(/Migration finished in/);
		const match = /Migration finished in (\S+) · ([\d,]+) records\/s/.exec(screen());
		return match ? Number(match[2]!.replaceAll(',', '')) : Number.NaN;
	} finally {
		tmux('kill-server');
	}
}

/**
 * This build against a baseline (FS_BENCH_BASELINE: a checkout of another
 * commit, built), the same migrations alternating which goes first,
 * FS_BENCH_COMPARE_RUNS times each (default 5): a small one (the fixed cost
 * of a run: threads, stores, snapshot) and the small row count. Every run is
 * printed; the ratio is of the medians.
 */
async function compareSection(work: string, baseline: string) {
	const dir = path.join(work, 'compare-store');
	const sizes = [1000, small];
	for (const rows of sizes) await makeBenchGroup(dir, `compare-${rows}`, rows);
	const runs = Number(process.env['FS_BENCH_COMPARE_RUNS'] ?? 5);
	console.log(`\n## this build against ${baseline} (migrate local → local, defaults, ${runs} runs each, alternating)\n`);
	console.log('| rows | build | median s | runs (s) |');
	console.log('|---:|---|---:|---|');
	const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
	for (const rows of sizes) {
		const times: Record<'this' | 'baseline', number[]> = {this: [], baseline: []};
		for (let run = 0; run < runs; run++) {
			const order = run % 2 === 0 ? (['this', 'baseline'] as const) : (['baseline', 'this'] as const);
			for (const build of order) {
				const target = `compare-${rows}-${build}-${run}`;
				await makeBenchGroup(dir, target, 0);
				const result = await measure(['migrate', `compare-${rows}`, target, '--store', `local:${dir}`, '--yes', '--json'], {FS_HOME: path.join(work, 'compare-home')}, build === 'this' ? undefined : baseline);
				if (result.code !== 0) throw new Error(`migrate (${build}) exited ${result.code}`);
				times[build].push(result.seconds);
			}
		}

		for (const build of ['this', 'baseline'] as const) console.log(`| ${fmt(rows)} | ${build} | ${median(times[build]).toFixed(2)} | ${times[build].map(value => value.toFixed(2)).join(', ')} |`);
		console.log(`| ${fmt(rows)} | this ÷ baseline | ${(median(times.this) / median(times.baseline)).toFixed(2)} | |`);
	}
}

const work = mkdtempSync(path.join(tmpdir(), 'fs-bench-'));
const baseline = process.env['FS_BENCH_BASELINE'];
const sections = (process.env['FS_BENCH_SECTIONS'] ?? `migrate,view,export,emulator,ceiling,history${baseline ? ',compare' : ''}`).split(',');
try {
	console.log(`# fs benchmarks — node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
	if (sections.includes('migrate')) await migrateSection(work);
	if (sections.includes('view')) await viewSection(work);
	if (sections.includes('export')) await exportSection(work);
	if (sections.includes('emulator')) await emulatorSection(work);
	if (sections.includes('ceiling')) await ceilingSection(work);
	if (sections.includes('history')) await historySection(work);
	if (sections.includes('compare')) {
		if (!baseline) throw new Error('The compare section needs FS_BENCH_BASELINE: a checkout of fs, built (npm ci && npm run build).');
		await compareSection(work, path.resolve(baseline));
	}
} finally {
	rmSync(work, {recursive: true, force: true});
}
