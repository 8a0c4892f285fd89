/**
 * What a migration run owns and guards, on the embedded store: its own run
 * directory, the target's lock, the group's identity however it is spelled,
 * a failed-records file that agrees with the checkpoint after kill -9, and
 * kill -9 / resume on both write paths (record by record, bulk loads) at
 * forced crash points.
 */
import {existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {LocalStore} from '../../source/stores/local/index.js';
import {appears, fsWith, startFs, type Run} from '../helpers/cli.js';
import {storeContents} from '../helpers/contents.js';
import {writeLargeHistory} from '../helpers/large-history.js';
import {createGroup} from '../helpers/setup.js';
import {tempDir} from '../helpers/temp.js';
import type {FeatureDefinition} from '../../source/core/types.js';

const temp = tempDir('fs-runs-');
const storeDir = path.join(temp.dir, 'store');
const home = path.join(temp.dir, 'home');
const fs = fsWith(`local:${storeDir}`, {FS_HOME: home});
const at = (name: string) => path.join(temp.dir, name);
const contents = async (name: string) => storeContents(storeDir, name);
/** Record by record: a store with injected faults (none drawn) takes no bulk loads. */
const byRecord = {FS_LOCAL_FAULTS: 'throttle=0,seed=1'};

const features = (label: FeatureDefinition['FeatureType']): FeatureDefinition[] => [
	{FeatureName: 'id', FeatureType: 'String'},
	{FeatureName: 'event_time', FeatureType: 'String'},
	{FeatureName: 'n', FeatureType: 'Integral'},
	{FeatureName: 'label', FeatureType: label},
];
writeFileSync(at('strings.json'), JSON.stringify(features('String')));
writeFileSync(at('integers.json'), JSON.stringify(features('Integral')));

async function create(name: string, schema: 'strings.json' | 'integers.json' = 'strings.json') {
	await createGroup(storeDir, name, {features: features(schema === 'strings.json' ? 'String' : 'Integral')});
}

/** Start `fs` without waiting for it. */
const start = (args: string[], env: Record<string, string> = {}) => startFs(args, {env: {FS_STORE: `local:${storeDir}`, FS_HOME: home, ...env}});

/** The run directories of a pair that hold a checkpoint. */
function runDirs(target: string): string[] {
	const runs = path.join(home, 'runs');
	if (!existsSync(runs)) return [];
	return readdirSync(runs).filter(pair => pair.includes(`__${target}__`))
		.flatMap(pair => readdirSync(path.join(runs, pair)).map(run => path.join(runs, pair, run)))
		.filter(dir => existsSync(path.join(dir, 'checkpoint.json')));
}

/** Failed lines as what a user reads in them, sorted: identifier, event time, error. */
function failedLines(file: string): string[] {
	return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(line => {
		const {recordIdentifier, eventTime, errorCode} = JSON.parse(line) as Record<string, string>;
		return `${recordIdentifier} ${eventTime} ${errorCode}`;
	}).sort();
}

const killed = (run: Run) => expect(run.signal ?? run.code).toBe('SIGKILL');

beforeAll(async () => {
	// 3,000 identifiers, 3 versions each; labels are numbers but for every 97th row.
	await create('src');
	const lines = ['id,event_time,n,label'];
	for (let version = 0; version < 3; version++) {
		for (let i = 0; i < 3000; i++) {
			const row = version * 3000 + i;
			lines.push(`r${String(i).padStart(6, '0')},2024-01-01T00:0${version}:00Z,${i},${row % 97 === 0 ? `bad-${row}` : String(row * 3)}`);
		}
	}

	writeFileSync(at('src.csv'), `${lines.join('\n')}\n`);
	expect((await fs(['bulk-put', 'src', at('src.csv'), '--batch-size', '1000'])).code).toBe(0);
	await create('reference');
	expect((await fs(['migrate', 'src', 'reference', '--yes'])).code).toBe(0);
}, 120_000);

describe('a stop asked for at the end', () => {
	it('once every row is written changes nothing: "finished", exit 0 (bulk loads and record by record)', async () => {
		for (const [name, extra] of [['finished-bulk', {}], ['finished-records', byRecord]] as const) {
			await create(name);
			const release = at(`release-${name}`);
			const run = start(['migrate', 'src', name, '--yes'], {...extra, FS_TEST_HOLD_AT: 'transferred:1', FS_TEST_HOLD_FILE: release});
			await appears(`${release}.held`, run);
			process.kill(run.pid!, 'SIGINT');
			writeFileSync(release, '');
			const done = await run.done;
			expect(done.code, done.stderr).toBe(0);
			expect(done.stdout, name).toContain('Migration finished');
			expect(await contents(name)).toEqual(await contents('reference'));
		}
	});
});

describe('one run at a time into a target', () => {
	it('refuses a second run while one writes (another filter or the same), then both halves end exact', async () => {
		await create('halves');
		const release = at('release-halves');
		const first = start(['migrate', 'src', 'halves', '--filter-query', 'WHERE id < \'r001500\'', '--batch-size', '50', '--yes'], {
			...byRecord, FS_TEST_HOLD_AT: 'batch-written:3', FS_TEST_HOLD_FILE: release,
		});
		await appears(`${release}.held`, first);
		for (const filter of ['WHERE id >= \'r001500\'', 'WHERE id < \'r001500\'']) {
			const second = await fs(['migrate', 'src', 'halves', '--filter-query', filter, '--yes']);
			expect(second.code).toBe(2);
			expect(second.stderr).toMatch(new RegExp(`✘ A migration into halves is running: pid ${first.pid} on \\S+, run [\\w-]+ \\(src → halves WHERE id < 'r001500'\\)`));
			expect(second.stderr).toContain('→ Wait for it to finish');
		}

		writeFileSync(release, '');
		expect((await first.done).code).toBe(0);
		expect((await fs(['migrate', 'src', 'halves', '--filter-query', 'WHERE id >= \'r001500\'', '--yes'])).code).toBe(0);
		expect(await contents('halves')).toEqual(await contents('reference'));
		expect(runDirs('halves')).toEqual([]);
	});

	it('a run killed -9 keeps its own files while another run of the pair finishes; its --resume then completes the target', async () => {
		await create('kept');
		const first = start(['migrate', 'src', 'kept', '--filter-query', 'WHERE id < \'r001500\'', '--batch-size', '50', '--yes'], {...byRecord, FS_TEST_KILL_AT: 'batch-written:4'});
		killed(await first.done);
		const [firstDir] = runDirs('kept');
		const second = await fs(['migrate', 'src', 'kept', '--filter-query', 'WHERE id >= \'r001500\'', '--yes']);
		expect(second.code).toBe(0);
		expect(second.stderr).toMatch(/⚠ Another interrupted run of src → kept is kept \([\w-]+: history, filter id < 'r001500'\); continue it with --resume --run-id [\w-]+\./);
		expect(runDirs('kept')).toEqual([firstDir]);
		const resumed = await fs(['migrate', 'src', 'kept', '--resume', '--yes']);
		expect(resumed.code).toBe(0);
		expect(await contents('kept')).toEqual(await contents('reference'));
	});

	it('a run of the same rows starts over an interrupted one, and removes only its files', async () => {
		await create('again');
		killed(await start(['migrate', 'src', 'again', '--batch-size', '50', '--yes'], {...byRecord, FS_TEST_KILL_AT: 'batch-written:2'}).done);
		const other = start(['migrate', 'src', 'again', '--filter-query', 'WHERE n < 10', '--batch-size', '5', '--yes'], {...byRecord, FS_TEST_KILL_AT: 'batch-written:2'});
		killed(await other.done);
		expect(runDirs('again')).toHaveLength(2);
		const over = await fs(['migrate', 'src', 'again', '--clear-target', '--yes']);
		expect(over.code).toBe(0);
		expect(over.stderr).toMatch(/⚠ An interrupted run of src → again exists \([\w-]+\); this starts over\./);
		expect(runDirs('again')).toHaveLength(1);
		expect(JSON.parse(readFileSync(path.join(runDirs('again')[0]!, 'checkpoint.json'), 'utf8')).options.filter).toBe('n < 10');
		expect(await contents('again')).toEqual(await contents('reference'));
	});
});

describe('a group is never copied into itself', () => {
	const link = at('store-link');
	const parent = path.dirname(storeDir);
	const spellings: Array<[string, string[]]> = [
		['a trailing slash', ['--source-store', `local:${storeDir}`, '--target-store', `local:${storeDir}/`]],
		['a path through ..', ['--source-store', `local:${storeDir}`, '--target-store', `local:${parent}/../${path.basename(parent)}/${path.basename(storeDir)}`]],
		['a symbolic link', ['--source-store', `local:${storeDir}`, '--target-store', `local:${link}`]],
		['a region flag equal to the store\'s', ['--source-region', 'us-east-1']],
	];
	it.each(spellings)('through %s: exit 2, nothing written', async (_, flags) => {
		if (!existsSync(link)) symlinkSync(storeDir, link);
		const before = await contents('src');
		const result = await fs(['migrate', 'src', 'src', ...flags, '--yes']);
		expect(result.stderr).toContain('✘ The source and the target are the same feature group');
		expect(result.code).toBe(2);
		expect(await contents('src')).toEqual(before);
	});
});

describe('the failed-records file after kill -9 (record by record)', () => {
	let uninterrupted: string[];
	beforeAll(async () => {
		await create('cast-reference', 'integers.json');
		const run = await fs(['migrate', 'src', 'cast-reference', '--failed-output', at('cast-reference.jsonl'), '--yes']);
		expect(run.code).toBe(3);
		uninterrupted = failedLines(at('cast-reference.jsonl'));
		expect(uninterrupted).toHaveLength(93);
	});

	it.each(['failed-line:5', 'batch-written:7'])('killed at %s, resumed: the file equals an uninterrupted run\'s', async point => {
		const target = `cast-${point.replace(':', '-')}`;
		const file = at(`${target}.jsonl`);
		await create(target, 'integers.json');
		killed(await start(['migrate', 'src', target, '--failed-output', file, '--batch-size', '40', '--yes'], {FS_TEST_KILL_AT: point}).done);
		const resumed = await fs(['migrate', 'src', target, '--resume', '--yes', '--json']);
		expect(resumed.code).toBe(3);
		expect(failedLines(file)).toEqual(uninterrupted);
		expect(await contents(target)).toEqual(await contents('cast-reference'));
		// And the file sends each record once.
		await create(`${target}-retry`);
		const retried = await fs(['migrate', 'src', `${target}-retry`, '--retry-failed', file, '--yes', '--json']);
		expect(JSON.parse(retried.stdout).result.totals.read).toBe(93);
	});

	it('--retry-failed sends a record written twice into the file once', async () => {
		const lines = readFileSync(at('cast-reference.jsonl'), 'utf8').split('\n').filter(Boolean);
		writeFileSync(at('doubled.jsonl'), `${[...lines, ...lines.slice(0, 10)].join('\n')}\n`);
		await create('doubled');
		const retried = await fs(['migrate', 'src', 'doubled', '--retry-failed', at('doubled.jsonl'), '--yes', '--json']);
		expect(JSON.parse(retried.stdout).result.totals).toMatchObject({read: 93, written: 93, failed: 0});
	});

	it('a full disk for the failed records: named, exit 1; the resume sends them elsewhere', async () => {
		await create('full-disk', 'integers.json');
		const run = await fs(['migrate', 'src', 'full-disk', '--failed-output', '/dev/full', '--yes']);
		expect(run.code).toBe(1);
		expect(run.stderr).toContain('✘ Migration failed: No space left on the device: /dev/full.');
		expect(run.stderr).not.toContain('bug in fs');
		const resumed = await fs(['migrate', 'src', 'full-disk', '--resume', '--failed-output', at('full-disk.jsonl'), '--yes']);
		expect(resumed.code).toBe(3);
		expect(failedLines(at('full-disk.jsonl'))).toEqual(uninterrupted);
	});
});

describe('kill -9 during bulk loads, then --resume', () => {
	let reference: Awaited<ReturnType<typeof contents>>;
	beforeAll(async () => {
		// 108,000 rows in three files: each worker's share takes more than one load.
		await create('big');
		const store = new LocalStore(storeDir);
		await writeLargeHistory(store.offlineFiles('big').dir, {tail: true});
		await store.close();
		await create('big-reference');
		expect((await fs(['migrate', 'big', 'big-reference', '--yes'])).code).toBe(0);
		reference = await contents('big-reference');
		expect(reference.offline).toHaveLength(108_000);
	}, 120_000);

	it.each([
		['bulk-loaded:1', []],
		['bulk-committed:1', []],
		['bulk-loaded:2', ['--filter-query', 'WHERE n >= 0 OR n IS NULL']],
	])('killed at %s %j: the target equals an uninterrupted run', async (point, flags) => {
		const target = `big-${point.replace(':', '-')}${flags.length > 0 ? '-filtered' : ''}`;
		await create(target);
		killed(await start(['migrate', 'big', target, ...flags, '--yes'], {FS_TEST_KILL_AT: point}).done);
		const resumed = await fs(['migrate', 'big', target, '--resume', '--yes', '--json']);
		expect(resumed.code).toBe(0);
		const totals = JSON.parse(resumed.stdout).result.totals as Record<string, number>;
		expect(totals.skipped).toBeGreaterThan(0);
		expect(totals.read).toBe(108_000);
		expect(await contents(target)).toEqual(reference);
	});
});

describe('kill -9 of a run that skips rows the target holds already, then --resume', () => {
	it.each([
		['bulk-loaded:1', {}],
		['batch-written:3', byRecord],
	] as const)('killed at %s: the resume keeps the run\'s count of them, and the target equals an uninterrupted run', async (point, extra) => {
		const target = `partly-${point.replace(':', '-')}`;
		await create(target);
		// A third of the rows first (identifiers below 1,000, every version): the run then skips them.
		expect((await fs(['migrate', 'src', target, '--filter-query', 'WHERE n < 1000', '--yes'])).code).toBe(0);
		killed(await start(['migrate', 'src', target, '--batch-size', '50', '--yes'], {...extra, FS_TEST_KILL_AT: point}).done);
		const resumed = await fs(['migrate', 'src', target, '--resume', '--yes', '--json'], {env: extra});
		expect(resumed.code).toBe(0);
		const {plan, result} = JSON.parse(resumed.stdout) as {plan: {holdings: {existing: {rows: number; skipped: boolean}}}; result: {totals: Record<string, number>; alreadyInTarget: number}};
		expect(plan.holdings.existing).toMatchObject({rows: 3000, skipped: true});
		expect(result.alreadyInTarget).toBe(3000);
		expect(result.totals.read).toBe(9000);
		expect(result.totals.skipped).toBeGreaterThan(3000);
		expect(result.totals.read).toBe(result.totals.written + result.totals.failed + result.totals.skipped);
		expect(await contents(target)).toEqual(await contents('reference'));
	});
});

describe('checkpoints that cannot be trusted', () => {
	async function killedRun(target: string) {
		await create(target);
		killed(await start(['migrate', 'src', target, '--batch-size', '50', '--yes'], {...byRecord, FS_TEST_KILL_AT: 'batch-written:3'}).done);
		return path.join(runDirs(target)[0]!, 'checkpoint.json');
	}

	it('an empty checkpoint is named with how to start over, and does not block a new run', async () => {
		const file = await killedRun('empty-checkpoint');
		writeFileSync(file, '');
		const resumed = await fs(['migrate', 'src', 'empty-checkpoint', '--resume', '--yes']);
		expect(resumed.code).toBe(1);
		expect(resumed.stderr).toContain(`✘ The checkpoint ${file} cannot be read`);
		expect(resumed.stderr).toContain(`→ Remove ${path.dirname(file)} to forget that run`);
		expect(resumed.stderr).not.toContain('bug in fs');
		const fresh = await fs(['migrate', 'src', 'empty-checkpoint', '--clear-target', '--yes']);
		expect(fresh.stderr).toContain(`(${path.dirname(file)} is left alone)`);
		expect(fresh.code).toBe(0);
		expect(await contents('empty-checkpoint')).toEqual(await contents('reference'));
	});

	it('positions past the end of the snapshot fail the resume instead of skipping rows', async () => {
		const file = await killedRun('past-the-end');
		const checkpoint = JSON.parse(readFileSync(file, 'utf8')) as {positions: number[]};
		checkpoint.positions = checkpoint.positions.map(() => 999_999);
		writeFileSync(file, JSON.stringify(checkpoint));
		const resumed = await fs(['migrate', 'src', 'past-the-end', '--resume', '--yes']);
		expect(resumed.stderr).toMatch(/The checkpoint says 999999 rows of partition \d are done, but the run's snapshot holds \d+/);
		expect(resumed.stderr).not.toContain('Migration finished');
		expect(resumed.code).toBe(1);
	});
});
