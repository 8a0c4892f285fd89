/**
 * `fs emulator` as a user runs it: flags checked (exit 2 naming the flag), the
 * environment printed on one line, a clean stop on SIGTERM (exit 0).
 */
import {spawn} from 'node:child_process';
import path from 'node:path';
import {ListFeatureGroupsCommand, SageMakerClient} from '@aws-sdk/client-sagemaker';
import {afterAll, describe, expect, it} from 'vitest';
import {cliPath, root, runFs} from '../helpers/cli.js';
import {tempDir} from '../helpers/temp.js';

describe('fs emulator', () => {
	const temp = tempDir('fs-emulator-cli-');
	afterAll(() => temp.remove());

	it.each([
		['--throttle-rate', '2'], ['--error-rate', '-0.1'], ['--partial-rate', 'lots'],
	])('refuses %s %s with exit 2', async (flag, value) => {
		const run = await runFs(['emulator', flag, value, '--store', `local:${path.join(temp.dir, 'refused')}`]);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain(flag);
	});

	it('prints the environment to export, serves the SDK, and stops cleanly on SIGTERM', async () => {
		const child = spawn(process.execPath, [cliPath, 'emulator', '--port', '0', '--store', `local:${path.join(temp.dir, 'served')}`], {
			cwd: root, env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stderr.setEncoding('utf8').on('data', chunk => {
			stderr += chunk;
		});
		const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)));
		const line = await new Promise<string>((resolve, reject) => {
			child.stdout.setEncoding('utf8').on('data', chunk => {
				stdout += chunk;
				if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
			});
			child.on('close', () => reject(new Error(`exited early: ${stderr}`)));
		});
		expect(line).toMatch(/^export AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+ AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1$/);
		const env = Object.fromEntries(line.slice('export '.length).split(' ').map(pair => pair.split('=') as [string, string]));
		const client = new SageMakerClient({endpoint: env['AWS_ENDPOINT_URL'], region: env['AWS_REGION'], credentials: {accessKeyId: 'test', secretAccessKey: 'test'}});
		expect((await client.send(new ListFeatureGroupsCommand({}))).FeatureGroupSummaries).toEqual([]);
		client.destroy();
		child.kill('SIGTERM');
		expect(await exited).toBe(0);
	});
});
