/**
 * Cross-account in one command: two emulators stand for two accounts, each
 * profile in the shared config names its own endpoint and keys, and
 * `fs migrate --source-profile A --target-profile B` reads from one and
 * writes to the other.
 */
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, expect, it} from 'vitest';
import {makeBenchGroup} from '../../bench/fixture.js';
import {startEmulator, type RunningEmulator} from '../../source/emulator/server.js';
import {LocalStore} from '../../source/stores/local/index.js';
import {runFs} from '../helpers/cli.js';
import {tempDir} from '../helpers/temp.js';

const temp = tempDir('fs-two-accounts-');
const at = (name: string) => path.join(temp.dir, name);
const emulators: RunningEmulator[] = [];

beforeAll(async () => {
	await makeBenchGroup(at('account-a'), 'customers', 1000);
	await makeBenchGroup(at('account-b'), 'customers-v2', 0);
	for (const dir of ['account-a', 'account-b']) emulators.push(await startEmulator({dir: at(dir), port: 0}));
	const profile = (name: string, emulator: RunningEmulator) => `[profile ${name}]\nregion = us-east-1\nendpoint_url = ${emulator.url}\naws_access_key_id = test\naws_secret_access_key = test\n`;
	writeFileSync(at('config'), profile('prod', emulators[0]!) + profile('staging', emulators[1]!));
});

afterAll(async () => {
	for (const emulator of emulators) await emulator.close();
	temp.remove();
});

it('migrates from one account to another with --source-profile and --target-profile', async () => {
	const result = await runFs(['migrate', 'customers', 'customers-v2', '--source-profile', 'prod', '--target-profile', 'staging', '--yes', '--json'], {
		env: {
			FS_STORE: 'sagemaker', FS_HOME: at('home'), FS_ATHENA_OUTPUT: 's3://athena-results/fs/', AWS_CONFIG_FILE: at('config'), AWS_SHARED_CREDENTIALS_FILE: at('none'),
			AWS_ENDPOINT_URL: undefined, AWS_PROFILE: undefined, AWS_REGION: undefined, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined,
		},
	});
	expect(result.stderr).not.toMatch(/✘/);
	expect(result.code).toBe(0);
	expect(JSON.parse(result.stdout).result.totals).toMatchObject({read: 1000, written: 1000, failed: 0});
	const target = new LocalStore(at('account-b'));
	const source = new LocalStore(at('account-a'));
	try {
		expect(await target.countOffline('customers-v2', {mode: 'history'})).toBe(1000);
		expect(await target.getRecord('customers-v2', 'r000000007')).toEqual(await latest(source, 'r000000007'));
		// Nothing was written to the source's account.
		expect(source.offlineFiles('customers').files).toHaveLength(1);
	} finally {
		await target.close();
		await source.close();
	}
}, 120_000);

async function latest(store: LocalStore, id: string) {
	for await (const batch of store.readOffline('customers', {mode: 'snapshot', where: `record_id = '${id}'`})) {
		return Object.fromEntries(batch.names.map((name, column) => [name, batch.columns[column]![0]]));
	}

	return undefined;
}
