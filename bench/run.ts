/**
 * `npm run bench`: measurements, not assertions. Prints a table per section.
 * Sections: export (memory flat with the row count).
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

const work = mkdtempSync(path.join(tmpdir(), 'fs-bench-'));
try {
	console.log(`# fs benchmarks — node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
	await exportSection(work);
} finally {
	rmSync(work, {recursive: true, force: true});
}
