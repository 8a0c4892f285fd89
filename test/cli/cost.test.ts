/**
 * The plan's cost estimate against a hand-computed example: five records of
 * known sizes, their write units counted by hand, the time at a write rate,
 * and (through the emulated service) the bytes Athena scanned to count them.
 */
import {readdirSync, statSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startEmulator} from '../../source/emulator/server.js';
import {LocalStore} from '../../source/stores/local/index.js';
import {runFs} from '../helpers/cli.js';
import {serviceEnv} from '../helpers/emulated.js';
import {createGroup, putRows} from '../helpers/setup.js';
import {tempDir} from '../helpers/temp.js';

const temp = tempDir('fs-cost-');
const dir = path.join(temp.dir, 'store');
const features = [
	{FeatureName: 'id', FeatureType: 'String' as const},
	{FeatureName: 'event_time', FeatureType: 'String' as const},
	{FeatureName: 'payload', FeatureType: 'String' as const},
];

// Every record: names 'id' 2 + 'event_time' 10 + 'payload' 7 = 19 bytes, values 'aN' 2 + a 20-byte time = 22: 41 bytes and the payload.
const payloads = [100, 900, 983, 984, 2007];
// 141, 941, 1,024 bytes: one unit each; 1,025 and 2,048: two each.
const units = 1 + 1 + 1 + 2 + 2;
const averageBytes = Math.round(payloads.reduce((sum, length) => sum + 41 + length, 0) / payloads.length);

beforeAll(async () => {
	await createGroup(dir, 'source', {features});
	await createGroup(dir, 'copy', {features});
	await putRows(dir, 'source', payloads.map((length, index) => ({id: `a${index + 1}`, event_time: '2024-01-01T00:00:00Z', payload: 'x'.repeat(length)})));
});

afterAll(() => temp.remove());

interface PlanJson {
	plan: {estimatedRecords: number; cost: {writeUnits: number; sampled: number; averageBytes: number; seconds?: number; scannedBytes?: number}};
}

describe('the plan\'s cost estimate', () => {
	const env = {FS_STORE: `local:${dir}`, FS_HOME: path.join(temp.dir, 'home')};

	it('counts write units by hand-computed record sizes, and the time at --max-write-rate, in --dry-run --json and the plain plan', async () => {
		const json = await runFs(['migrate', 'source', 'copy', '--dry-run', '--json', '--max-write-rate', '2wu'], {env});
		expect(json.code).toBe(0);
		const {plan} = JSON.parse(json.stdout) as PlanJson;
		expect(plan.estimatedRecords).toBe(5);
		expect(plan.cost).toEqual({writeUnits: units, sampled: 5, averageBytes, rate: {perSecond: 2, unit: 'write units'}, seconds: units / 2});

		const text = await runFs(['migrate', 'source', 'copy', '--dry-run', '--max-write-rate', '5'], {env});
		expect(text.code).toBe(0);
		expect(text.stdout).toContain(`Write units: 7 (every record measured, ${(averageBytes / 1024).toFixed(2)} KB on average)`);
		// 5 records at 5 a second.
		expect(text.stdout).toContain('Write rate: at most 5 records/s (--max-write-rate 5): ~0:01');
		const unpaced = await runFs(['migrate', 'source', 'copy', '--dry-run'], {env});
		expect(unpaced.stdout).toContain('Write rate: not limited');
	});

	it('through the service, shows the bytes Athena scanned to count: the files of the source\'s table', async () => {
		const emulator = await startEmulator({dir, port: 0});
		try {
			const run = await runFs(['migrate', 'source', 'copy', '--dry-run', '--json'], {
				env: serviceEnv(emulator.url, path.join(temp.dir, 'home-aws')),
			});
			expect(run.stderr).not.toMatch(/✘/);
			expect(run.code).toBe(0);
			const {plan} = JSON.parse(run.stdout) as PlanJson;
			expect(plan.cost).toMatchObject({writeUnits: units, sampled: 5, averageBytes});
			const store = new LocalStore(dir);
			try {
				expect(plan.cost.scannedBytes).toBeGreaterThan(0);
				expect(plan.cost.scannedBytes).toBe(bytesUnder(store.offlineFiles('source').dir));
			} finally {
				await store.close();
			}
		} finally {
			await emulator.close();
		}
	});
});

/** The bytes of the Parquet files under `root`. */
function bytesUnder(root: string): number {
	let total = 0;
	for (const entry of readdirSync(root, {withFileTypes: true, recursive: true})) {
		if (entry.isFile() && entry.name.endsWith('.parquet')) total += statSync(path.join(entry.parentPath, entry.name)).size;
	}

	return total;
}
