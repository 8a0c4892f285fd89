/**
 * The sagemaker adapter against the AWS emulator: the store contract, then
 * what only this adapter has — Athena results streamed from S3 at page-size
 * edges, local Parquet snapshots of them, the result location, and what
 * `fs` shows of the store.
 */
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startEmulator, type RunningEmulator} from '../../source/emulator/server.js';
import {putRecords} from '../../source/engine/write.js';
import {describeStore, openStore} from '../../source/stores/open.js';
import {SageMakerStore} from '../../source/stores/sagemaker/index.js';
import type {OfflineBatch} from '../../source/stores/store.js';
import {tempDir} from '../helpers/temp.js';
import {at, groupInput, rows, storeContract, uniqueName} from './contract.js';

// The SDK's credential chain reads these; the emulator checks no signature.
Object.assign(process.env, {AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1'});
delete process.env['AWS_PROFILE'];

const athenaOutput = 's3://athena-results/fs-tests/';

async function emulated(options: {athenaOutput?: string; throttleRate?: number; errorRate?: number; partialRate?: number; seed?: number} = {}) {
	const temp = tempDir('fs-sagemaker-');
	const emulator = await startEmulator({dir: path.join(temp.dir, 'store'), port: 0, ...options});
	return {
		emulator,
		store: (storeOptions: {athenaOutput?: string; athenaWorkgroup?: string} = {athenaOutput}) => new SageMakerStore({...storeOptions, env: {AWS_ENDPOINT_URL: emulator.url}}),
		async stop() {
			await emulator.close();
			temp.remove();
		},
	};
}

storeContract('sagemaker (emulator)', async () => {
	const subject = await emulated();
	const store = subject.store();
	return {
		store,
		cleanup: async () => {
			await store.close();
			await subject.stop();
		},
	};
});

describe('sagemaker adapter through the emulator', () => {
	let subject: Awaited<ReturnType<typeof emulated>>;
	let store: SageMakerStore;
	const temp = tempDir('fs-sagemaker-snapshots-');

	beforeAll(async () => {
		subject = await emulated();
		store = subject.store();
	});
	afterAll(async () => {
		await store?.close();
		await subject?.stop();
		temp.remove();
	});

	async function groupWith(count: number, label = (i: number) => `label ${i}`) {
		const name = uniqueName('size');
		await store.createFeatureGroup(groupInput(name));
		const ids = Array.from({length: count}, (_, i) => `id${String(i).padStart(5, '0')}`);
		for (let start = 0; start < ids.length; start += store.limits.batchWrite) {
			const entries = ids.slice(start, start + store.limits.batchWrite).map((id, offset) => ({
				FeatureGroupName: name,
				Record: {id, event_time: at(1), n: String(start + offset), label: label(start + offset)},
			}));
			const result = await store.batchWrite(entries);
			expect(result).toEqual({errors: [], unprocessed: []});
		}

		return {name, ids};
	}

	const ids = (batches: OfflineBatch[]) => batches.flatMap(batch => batch.columns[batch.names.indexOf('id')]!.slice(0, batch.length));

	it.each([999, 1000, 1001, 2001])('reads an Athena result of %i rows exactly, streamed and snapshotted', async count => {
		const {name, ids: expected} = await groupWith(count);
		const streamed: OfflineBatch[] = [];
		for await (const batch of store.readOffline(name, {mode: 'history', columns: ['id', 'n'], batchSize: 1000})) streamed.push(batch);
		expect(ids(streamed)).toEqual(expected);
		expect(streamed.every(batch => batch.length <= 1000)).toBe(true);
		expect(await store.countOffline(name, {mode: 'snapshot'})).toBe(count);

		const snapshot = await store.snapshotOffline(name, {mode: 'snapshot', includeMetadata: true}, path.join(temp.dir, name));
		expect(snapshot.rows).toBe(count);
		const read: OfflineBatch[] = [];
		for await (const batch of store.readSnapshot(snapshot)) read.push(batch);
		expect(ids(read)).toEqual(expected);
		const parts = await Promise.all([0, 1, 2].map(async index => {
			const part: OfflineBatch[] = [];
			for await (const batch of store.readSnapshot(snapshot, {index, of: 3, column: 'id'})) part.push(batch);
			return ids(part);
		}));
		expect(parts.flat().sort()).toEqual(expected);
	});

	it('keeps commas, quotes, newlines, empty strings and missing values apart', async () => {
		const labels = ['a, b', 'say "hi"', 'two\nlines', '', ' spaced ', 'comma,"quote"\r\nnewline'];
		const {name} = await groupWith(labels.length, i => labels[i]!);
		await store.batchWrite([{FeatureGroupName: name, Record: {id: 'no-label', event_time: at(1)}}]);
		const history = await rows(store, name, {mode: 'history', columns: ['id', 'label', 'x'], includeMetadata: true});
		expect(history.map(row => row['label'])).toEqual([...labels, null]);
		expect(history.every(row => row['x'] === null && row['is_deleted'] === 'false')).toBe(true);
		expect(await store.getRecord(name, 'id00003')).toMatchObject({label: ''});
		const snapshot = await store.snapshotOffline(name, {mode: 'history', columns: ['id', 'label']}, path.join(temp.dir, `${name}-values`));
		const read: OfflineBatch[] = [];
		for await (const batch of store.readSnapshot(snapshot)) read.push(batch);
		expect(read.flatMap(batch => batch.columns[1]!.slice(0, batch.length))).toEqual([...labels, null]);
	});

	it('orders String event times with and without milliseconds as times, not as text', async () => {
		const name = uniqueName('times');
		await store.createFeatureGroup(groupInput(name));
		await store.batchWrite([
			{FeatureGroupName: name, Record: {id: 'a', event_time: '2024-01-01T00:00:00.500Z', label: 'half'}},
			{FeatureGroupName: name, Record: {id: 'a', event_time: '2024-01-01T00:00:00Z', label: 'zero'}},
			{FeatureGroupName: name, Record: {id: 'a', event_time: '2024-01-01T00:00:01Z', label: 'one'}},
		]);
		expect((await rows(store, name, {mode: 'history', columns: ['label']})).map(row => row['label'])).toEqual(['zero', 'half', 'one']);
		expect(await rows(store, name, {mode: 'snapshot', columns: ['label']})).toEqual([{label: 'one'}]);
	});

	it('names the region and the account of the store once a group is seen', async () => {
		const name = uniqueName('info');
		const group = await store.createFeatureGroup(groupInput(name));
		expect(store.info).toMatchObject({kind: 'sagemaker', region: 'us-east-1', location: 'us-east-1'});
		expect(store.info.account).toBe(group.FeatureGroupArn.split(':')[4]);
		expect(describeStore(store)).toBe(`sagemaker us-east-1 account ${store.info.account}`);
		await expect(store.describeFeatureGroup('no-such-group')).rejects.toMatchObject({
			kind: 'usage', code: 'ResourceNotFound', message: `Feature group no-such-group does not exist in us-east-1 (account ${store.info.account}).`, remedy: expect.stringContaining('fs list'),
		});
	});

	it('takes the Athena result location from the workgroup when none is given, and says so when there is none', async () => {
		const noOutput = subject.store({});
		const name = uniqueName('where');
		try {
			await noOutput.createFeatureGroup(groupInput(name));
			await expect(noOutput.countOffline(name, {mode: 'history'})).rejects.toMatchObject({kind: 'usage', code: 'NoAthenaOutput', remedy: expect.stringContaining('--athena-output')});
		} finally {
			await noOutput.close();
		}

		const configured = await emulated({athenaOutput: 's3://workgroup-results/primary'});
		const viaWorkgroup = configured.store({athenaWorkgroup: 'primary'});
		try {
			await viaWorkgroup.createFeatureGroup(groupInput(name));
			await viaWorkgroup.batchWrite([{FeatureGroupName: name, Record: {id: 'a', event_time: at(1)}}]);
			expect(await viaWorkgroup.countOffline(name, {mode: 'history'})).toBe(1);
		} finally {
			await viaWorkgroup.close();
			await configured.stop();
		}
	});

	it('opens through --store sagemaker with the Athena settings from the environment', async () => {
		const opened = await openStore({spec: 'sagemaker', env: {AWS_ENDPOINT_URL: subject.emulator.url, AWS_REGION: 'us-east-1', FS_ATHENA_OUTPUT: athenaOutput}});
		try {
			const name = uniqueName('opened');
			await opened.createFeatureGroup(groupInput(name));
			expect(await opened.countOffline(name, {mode: 'history'})).toBe(0);
		} finally {
			await opened.close();
		}

		await expect(openStore({spec: 'sagemaker', env: {AWS_REGION: 'us-east-1', FS_ATHENA_OUTPUT: 'bucket/prefix'}})).rejects.toMatchObject({kind: 'usage'});
	});
});

describe('sagemaker adapter under throttling, server errors and partial batches', () => {
	it('leaves nothing behind: the engine retries what the adapter reports as unprocessed or retryable', async () => {
		const faulty = await emulated({throttleRate: 0.15, errorRate: 0.05, partialRate: 0.3, seed: 7});
		const clean = faulty.store();
		const name = uniqueName('faults');
		try {
			// Create without faults in the way: the control plane is not what is tested here.
			for (let attempt = 0; ; attempt++) {
				try {
					await clean.createFeatureGroup(groupInput(name));
					break;
				} catch (error) {
					if (attempt > 20 || (error as {code?: string}).code === 'ResourceInUse') break;
				}
			}

			const records = Array.from({length: 250}, (_, i) => ({id: `r${String(i).padStart(3, '0')}`, event_time: at(1), n: String(i)}));
			let retries = 0;
			const failed = await putRecords(clean, name, records, {onRetry: () => retries++}, {attempts: 30, baseMs: 5, capMs: 50});
			expect(failed).toEqual([]);
			expect(retries).toBeGreaterThan(0);
			const found = new Map<string, string>();
			let pending = records.map(record => record.id);
			for (let attempt = 0; pending.length > 0 && attempt < 50; attempt++) {
				const next: string[] = [];
				for (let start = 0; start < pending.length; start += clean.limits.batchGet) {
					const ids = pending.slice(start, start + clean.limits.batchGet);
					try {
						const result = await clean.batchGet(name, ids);
						for (const {Record} of result.records) found.set(Record['id'] as string, Record['n'] as string);
						next.push(...result.unprocessed);
					} catch {
						next.push(...ids);
					}
				}

				pending = next;
			}

			expect(found.size).toBe(250);
			expect([...found].every(([id, n]) => id === `r${n.padStart(3, '0')}`)).toBe(true);
		} finally {
			await clean.close();
			await faulty.stop();
		}
	}, 60_000);
});

export type {RunningEmulator};
