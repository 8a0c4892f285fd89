/**
 * The seed's scenarios as shell scripts (test/scenarios), run with bash
 * against the built `fs` on copies of a demo store: on the embedded store
 * directly (scenarios-local.test.ts), and again with `--store sagemaker`
 * through the AWS emulator serving the same copy (scenarios-sagemaker.test.ts;
 * all but scenario 2, which copies between two embedded stores): two files,
 * so that the suite runs them side by side. On a demo of 1,000 customers
 * (10,700 records, and the same deletes and values that will not cast): the
 * scenarios are about the steps, the bench about size; the full demo is the
 * guided test's.
 */
import {spawn} from 'node:child_process';
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {startEmulator} from '../../source/emulator/server.js';
import {cliPath, localWorkersLine, root} from './cli.js';
import {demoSize} from '../../source/commands/demo-data.js';
import {buildDemo, copyStore} from './demo.js';
import {tempDir} from './temp.js';

export type Backend = 'local' | 'sagemaker';
const size = demoSize(1000);
const count = (n: number) => n.toLocaleString('en-US');

/** The scenarios of one backend, each on its own copy of a demo built once for the file. */
export function seedScenarios(backend: Backend) {
	// Each scenario is a script of a dozen commands or more: slower than one command on a loaded machine.
	vi.setConfig({testTimeout: 180_000});
	const temp = tempDir(`fs-scenarios-${backend}-`);
	const bin = path.join(temp.dir, 'bin');
	let demo: string;

	function runScript(script: string, work: string, env: Record<string, string> = {}): Promise<{code: number | null; stdout: string; stderr: string}> {
		return new Promise((resolve, reject) => {
			const child = spawn('bash', [path.join(root, 'test/scenarios', script), work], {
				env: {...process.env, PATH: `${bin}:${process.env['PATH']}`, NO_COLOR: '1', FS_STORE: undefined, FS_HOME: path.join(work, 'fs-home'), ...env},
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			let stdout = '';
			let stderr = '';
			child.stdout.on('data', chunk => {
				stdout += chunk;
			});
			child.stderr.on('data', chunk => {
				stderr += chunk;
			});
			child.on('error', reject);
			child.on('close', code => resolve({code, stdout, stderr}));
		});
	}

	/**
	 * A copy of the demo store in a fresh directory, as `store`, and the script
	 * run there: directly, or through an emulator serving that copy.
	 */
	async function scenario(name: string, store: string, script: string) {
		const work = path.join(temp.dir, `${name}-${backend}`);
		mkdirSync(work);
		copyStore(demo, path.join(work, store));
		if (backend === 'local') return {work, result: await runScript(script, work)};
		const emulator = await startEmulator({dir: path.join(work, store), port: 0});
		try {
			return {work, result: await runScript(script, work, {
				FS_SCENARIO_STORE: 'sagemaker', FS_ATHENA_OUTPUT: 's3://athena-results/scenarios/',
				AWS_ENDPOINT_URL: emulator.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
			})};
		} finally {
			await emulator.close();
		}
	}

	beforeAll(async () => {
		mkdirSync(bin);
		writeFileSync(path.join(bin, 'fs'), `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`);
		chmodSync(path.join(bin, 'fs'), 0o755);
		demo = await buildDemo(path.join(temp.dir, 'template'), size.customers);
		// Seconds alone; minutes on a machine running two suites side by side.
	}, 240_000);
	afterAll(() => temp.remove());

	describe(`seed scenarios as shell runs (${backend})`, () => {
		it.skipIf(backend === 'sagemaker')('2: copy between environments (export, schema, create, bulk-put, verify)', async () => {
			const {work, result} = await scenario('s2', 'prod', 'scenario-2-copy-between-environments.sh');
			expect(result.stderr).not.toMatch(/✘/);
			expect(result.code).toBe(0);
			// Every version, without the delete markers, which export leaves out.
			expect(result.stdout).toContain(`rows: ${size.histories * size.historyVersions}`);
			expect(JSON.parse(readFileSync(path.join(work, 'staging-42.json'), 'utf8'))).toMatchObject({customer_id: 'cust_000042'});
		});

		it('3: archiving rows older than 90 days', async () => {
			const {work, result} = await scenario('s3', 'demo', 'scenario-3-archiving.sh');
			expect(result.stderr).not.toMatch(/✘/);
			expect(result.code).toBe(0);
			const archived = Number(/archived: (\d+)/.exec(result.stdout)?.[1]);
			// The demo spreads customer-history over 125 days: some but not all rows are older than 90.
			expect(archived).toBeGreaterThan(size.histories);
			expect(archived).toBeLessThan(size.histories * size.historyVersions);
			const sample = JSON.parse(readFileSync(path.join(work, 'sample.json'), 'utf8')) as Array<Record<string, unknown>>;
			expect(sample).toHaveLength(3);
			expect(typeof sample[0]!['orders']).toBe('number');
		});

		it('6: data quality (export JSON, clean it, bulk-put the cleaned file)', async () => {
			const {work, result} = await scenario('s6', 'demo', 'scenario-6-data-quality.sh');
			expect(result.stderr).not.toMatch(/✘/);
			expect(result.code).toBe(0);
			// The customers, less those deleted and those with balance "n/a" in their latest version.
			expect(result.stdout).toContain(`customers: ${size.customers - size.profileDeletes - size.brokenBalances}`);
			const record = JSON.parse(readFileSync(path.join(work, '42.json'), 'utf8')) as Record<string, unknown>;
			expect(typeof record['balance']).toBe('number');
			expect(record['new_field']).toBe('cleaned');
			expect(readFileSync(path.join(work, '42.json'), 'utf8')).toMatch(/"external_id": 9223372036854000042/);
		});

		it('1: schema upgrade (backup, check, compare, migrate with --clear-target, verify)', async () => {
			const {work, result} = await scenario('s1', 'demo', 'scenario-1-schema-upgrade.sh');
			expect(result.code).toBe(0);
			// The balances of "n/a" cannot become Fractional: exit 3, the rest is there.
			expect(result.stdout).toContain('migrate exit: 3');
			expect(result.stdout).toContain(`failed lines: ${size.brokenBalances}`);
			const out = readFileSync(path.join(work, 'migrate.out'), 'utf8');
			const read = size.customers * size.profileVersions + size.profileDeletes;
			expect(out).toMatch(new RegExp(`read\\s+${count(read)}\\s+= written \\+ failed \\+ skipped ✓`));
			expect(out).toMatch(new RegExp(`written\\s+${count(read - size.brokenBalances)}`));
			expect(out).toContain('Target data will be deleted first');
			expect(out).toContain(`Batch size: 200\n${backend === 'local' ? localWorkersLine(6) : 'Workers: 6'}\n`);
			const sample = JSON.parse(readFileSync(path.join(work, 'sample.json'), 'utf8')) as Array<Record<string, unknown>>;
			expect(sample).toHaveLength(10);
			expect(typeof sample[0]!['balance']).toBe('number');
			expect(sample[0]!['legacy_flag']).toBeUndefined();
		});

		it('4: partial migration of listed customers', async () => {
			const {work, result} = await scenario('s4', 'demo', 'scenario-4-partial.sh');
			expect(result.stderr).not.toMatch(/✘/);
			expect(result.code).toBe(0);
			expect(JSON.parse(readFileSync(path.join(work, 'ids.json'), 'utf8'))).toEqual([{customer_id: 'cust_000001'}, {customer_id: 'cust_000002'}, {customer_id: 'cust_000003'}]);
			expect(readFileSync(path.join(work, 'migrate.out'), 'utf8')).toContain('Filter: WHERE customer_id IN');
		});

		it('5: incremental sync with a state file', async () => {
			const {work, result} = await scenario('s5', 'demo', 'scenario-5-incremental.sh');
			expect(result.stderr).not.toMatch(/✘/);
			expect(result.code).toBe(0);
			// First sync: everything (every version and the delete markers); second: the 2 new rows.
			expect(result.stdout).toContain(`Estimated records: ${count(size.histories * size.historyVersions + size.historyDeletes)}`);
			expect(result.stdout).toContain('Estimated records: 2');
			const second = JSON.parse(readFileSync(path.join(work, 'run-second.json'), 'utf8')) as {result: {totals: Record<string, number>}};
			expect(second.result.totals).toEqual({read: 2, written: 2, failed: 0, skipped: 0, deletes: 0});
			expect(JSON.parse(readFileSync(path.join(work, 'new-record.json'), 'utf8'))).toMatchObject({customer_id: 'cust_900000', orders: 1});
		});

		it('recovery: failed records fixed and retried with --retry-failed', async () => {
			const {work, result} = await scenario('recovery', 'demo', 'scenario-recovery.sh');
			expect(result.stdout).toContain('first exit: 3');
			expect(result.stdout).toContain('retry exit: 0');
			expect(result.stdout).toContain('no failures left');
			expect(readFileSync(path.join(work, 'retry.out'), 'utf8')).toMatch(new RegExp(`read\\s+${size.brokenBalances}\\s+= written \\+ failed \\+ skipped ✓`));
			expect(JSON.parse(readFileSync(path.join(work, 'fixed-record.json'), 'utf8'))).toMatchObject({balance: 0});
		});
	});
}
