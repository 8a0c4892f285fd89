/**
 * The seed's scenarios 2, 3 and 6 as shell scripts (test/scenarios), run with
 * bash against the built `fs` on copies of a demo store.
 */
import {spawn} from 'node:child_process';
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cliPath, root} from '../helpers/cli.js';
import {buildDemo, copyStore} from '../helpers/demo.js';
import {tempDir} from '../helpers/temp.js';

const temp = tempDir('fs-scenarios-');
const bin = path.join(temp.dir, 'bin');
let demo: string;

function runScript(script: string, work: string): Promise<{code: number | null; stdout: string; stderr: string}> {
	return new Promise((resolve, reject) => {
		const child = spawn('bash', [path.join(root, 'test/scenarios', script), work], {
			env: {...process.env, PATH: `${bin}:${process.env['PATH']}`, NO_COLOR: '1', FS_STORE: undefined},
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

beforeAll(async () => {
	mkdirSync(bin);
	writeFileSync(path.join(bin, 'fs'), `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`);
	chmodSync(path.join(bin, 'fs'), 0o755);
	demo = await buildDemo(path.join(temp.dir, 'template'));
});
afterAll(() => temp.remove());

describe('seed scenarios as shell runs', () => {
	it('2: copy between environments (export, schema, create, bulk-put, verify)', async () => {
		const work = path.join(temp.dir, 's2');
		mkdirSync(work);
		copyStore(demo, path.join(work, 'prod'));
		const result = await runScript('scenario-2-copy-between-environments.sh', work);
		expect(result.stderr).not.toMatch(/✘/);
		expect(result.code).toBe(0);
		// 60,000 rows minus the delete markers, which export leaves out.
		expect(result.stdout).toContain('rows: 60000');
		expect(JSON.parse(readFileSync(path.join(work, 'staging-42.json'), 'utf8'))).toMatchObject({customer_id: 'cust_000042'});
	});

	it('3: archiving rows older than 90 days', async () => {
		const work = path.join(temp.dir, 's3');
		mkdirSync(work);
		copyStore(demo, path.join(work, 'demo'));
		const result = await runScript('scenario-3-archiving.sh', work);
		expect(result.stderr).not.toMatch(/✘/);
		expect(result.code).toBe(0);
		const archived = Number(/archived: (\d+)/.exec(result.stdout)?.[1]);
		// The demo spreads customer-history over 125 days: some but not all rows are older than 90.
		expect(archived).toBeGreaterThan(10_000);
		expect(archived).toBeLessThan(60_000);
		const sample = JSON.parse(readFileSync(path.join(work, 'sample.json'), 'utf8')) as Array<Record<string, unknown>>;
		expect(sample).toHaveLength(3);
		expect(typeof sample[0]!['orders']).toBe('number');
	});

	it('6: data quality (export JSON, clean it, bulk-put the cleaned file)', async () => {
		const work = path.join(temp.dir, 's6');
		mkdirSync(work);
		copyStore(demo, path.join(work, 'demo'));
		const result = await runScript('scenario-6-data-quality.sh', work);
		expect(result.stderr).not.toMatch(/✘/);
		expect(result.code).toBe(0);
		// 10,000 customers, 40 deleted, 4 with balance "n/a" in their latest version.
		expect(result.stdout).toContain('customers: 9956');
		const record = JSON.parse(readFileSync(path.join(work, '42.json'), 'utf8')) as Record<string, unknown>;
		expect(typeof record['balance']).toBe('number');
		expect(record['new_field']).toBe('cleaned');
		expect(readFileSync(path.join(work, '42.json'), 'utf8')).toMatch(/"external_id": 9223372036854000042/);
	});
});
