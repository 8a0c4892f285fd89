/**
 * `fs` on the sagemaker store, as a user runs it: the built CLI in a child
 * process, pointed at the AWS emulator with AWS_ENDPOINT_URL and profiles
 * from an AWS config file. Worker threads open the store from its handle,
 * so a migration here proves the handle carries all they need.
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startEmulator, type RunningEmulator} from '../../source/emulator/server.js';
import type {FailedLine} from '../../source/engine/protocol.js';
import {LocalStore} from '../../source/stores/local/index.js';
import {runFs, type RunOptions} from '../helpers/cli.js';
import {tempDir} from '../helpers/temp.js';

/** The environment of `fs` on the service through `emulator`. */
const serviceEnv = (emulator: RunningEmulator, home: string, extra: Record<string, string> = {}) => ({
	FS_STORE: 'sagemaker', FS_HOME: home, AWS_ENDPOINT_URL: emulator.url, AWS_REGION: 'us-east-1',
	AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PROFILE: undefined, ...extra,
});

/** A group keyed by `id` with an `event_time` and the given more features; online only unless an S3 URI is given. */
const groupInput = (name: string, more: string[], s3Uri?: string) => ({
	FeatureGroupName: name, RecordIdentifierFeatureName: 'id', EventTimeFeatureName: 'event_time',
	FeatureDefinitions: [
		{FeatureName: 'id', FeatureType: 'String' as const}, {FeatureName: 'event_time', FeatureType: 'String' as const},
		...more.map(feature => ({FeatureName: feature, FeatureType: 'Integral' as const})),
	],
	OnlineStoreConfig: {EnableOnlineStore: true}, ...(s3Uri ? {OfflineStoreConfig: {S3StorageConfig: {S3Uri: s3Uri}}} : {}),
});

/** Put one record per identifier, 25 a call, all at one event time. */
async function fill(store: LocalStore, name: string, ids: string[], more: (id: string, index: number) => Record<string, string> = () => ({})) {
	for (let start = 0; start < ids.length; start += 25) {
		const records = ids.slice(start, start + 25).map((id, offset) => ({FeatureGroupName: name, Record: {id, event_time: '2024-01-01T00:00:00Z', ...more(id, start + offset)}}));
		expect((await store.batchWrite(records)).errors).toEqual([]);
	}
}

/** Every identifier online, soft-deleted ones too. */
async function onlineIds(store: LocalStore, name: string): Promise<string[]> {
	const ids: string[] = [];
	for await (const page of store.listRecordIdentifiers(name, {includeSoftDeleted: true})) ids.push(...page);
	return ids;
}

describe('fs on the sagemaker store (through the emulator)', () => {
	const temp = tempDir('fs-cli-sagemaker-');
	let emulator: RunningEmulator;
	let env: Record<string, string | undefined>;
	const fs = async (args: string[], options: RunOptions = {}) => runFs(args, {cwd: temp.dir, ...options, env: {...env, ...options.env}});
	const file = (name: string) => path.join(temp.dir, name);

	beforeAll(async () => {
		emulator = await startEmulator({dir: file('emulator'), port: 0});
		writeFileSync(file('config'), '[default]\nregion = us-east-1\n[profile source-account]\nregion = us-east-1\n[profile target-account]\nregion = us-east-1\n');
		writeFileSync(file('credentials'), ['default', 'source-account', 'target-account'].map(name => `[${name}]\naws_access_key_id = test\naws_secret_access_key = test\n`).join(''));
		env = {
			FS_STORE: 'sagemaker', FS_HOME: file('fs-home'), AWS_ENDPOINT_URL: emulator.url,
			AWS_CONFIG_FILE: file('config'), AWS_SHARED_CREDENTIALS_FILE: file('credentials'),
			AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_PROFILE: undefined, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined,
			FS_ATHENA_OUTPUT: 's3://athena-results/cli/',
		};
		writeFileSync(file('schema.json'), JSON.stringify([
			{FeatureName: 'customer_id', FeatureType: 'String'},
			{FeatureName: 'event_time', FeatureType: 'String'},
			{FeatureName: 'age', FeatureType: 'Integral'},
			{FeatureName: 'note', FeatureType: 'String'},
		]));
		writeFileSync(file('data.json'), JSON.stringify(Array.from({length: 1200}, (_, i) => ({
			customer_id: `c${String(i).padStart(5, '0')}`, event_time: '2024-01-01T00:00:00Z', age: i, note: i % 5 === 0 ? 'a, "quoted"\nnote' : '',
		}))));
	});
	afterAll(async () => {
		await emulator?.close();
		temp.remove();
	});

	const create = async (name: string, extra: string[] = []) => {
		const result = await fs(['create', name, '--schema-file', 'schema.json', '--record-identifier-name', 'customer_id', '--s3-uri', 's3://fs-data/store', '--role-arn', 'arn:aws:iam::000000000000:role/fs', ...extra]);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
	};

	it('creates, fills, lists, migrates across profiles, exports and clears', async () => {
		// No group yet to learn the account from: the caller's identity (STS) names it.
		const empty = await fs(['list']);
		expect(empty.code, empty.stderr).toBe(0);
		expect(empty.stderr).toContain(`store sagemaker us-east-1 account ${emulator.store.info.account} · 0 feature groups`);
		// Every flag an offline store lacks, named at once.
		const bare = await fs(['create', 'bare-fg', '--schema-file', 'schema.json', '--record-identifier-name', 'customer_id']);
		expect(bare.code).toBe(2);
		expect(bare.stderr).toContain('An offline store needs --s3-uri and --role-arn on sagemaker.');
		expect(bare.stderr).toContain('or --no-offline-store');
		await create('source-fg');
		await create('target-fg', ['--profile', 'target-account']);
		const put = await fs(['bulk-put', 'source-fg', 'data.json', '--max-workers', '2']);
		expect(put.code).toBe(0);

		const list = await fs(['list', '-o', 'json']);
		expect(list.code).toBe(0);
		expect((JSON.parse(list.stdout) as Array<{FeatureGroupName: string}>).map(group => group.FeatureGroupName)).toEqual(['source-fg', 'target-fg']);

		const migrate = await fs(['migrate', 'source-fg', 'target-fg', '--source-profile', 'source-account', '--target-profile', 'target-account', '--max-workers', '3', '--batch-size', '100', '--yes', '--json']);
		expect(migrate.stderr).not.toMatch(/Unexpected error/);
		expect(migrate.code).toBe(0);
		const {plan, result} = JSON.parse(migrate.stdout) as {plan: Record<string, unknown>; result: {totals: {read: number; written: number; failed: number}}};
		expect(JSON.stringify(plan)).toContain('sagemaker us-east-1 account 000000000000');
		expect(result.totals).toMatchObject({read: 1200, written: 1200, failed: 0});

		// A run again: Athena finds every row in the target (one anti-join over both tables), nothing is written twice.
		const again = await fs(['migrate', 'source-fg', 'target-fg', '--source-profile', 'source-account', '--target-profile', 'target-account', '--yes', '--json']);
		expect(again.stderr).not.toContain('✘');
		const second = JSON.parse(again.stdout) as {plan: {holdings: Record<string, unknown>}; result: {totals: Record<string, number>}};
		expect(second.plan.holdings).toMatchObject({offlineRows: 1200, existing: {rows: 1200, engine: 'Athena', skipped: true}});
		expect(second.result.totals).toMatchObject({read: 1200, written: 0, failed: 0, skipped: 1200});

		const exported = await fs(['export', 'target-fg', 'out.json', '--format', 'json', '--limit', '6']);
		expect(exported.code).toBe(0);
		const rows = JSON.parse(readFileSync(file('out.json'), 'utf8')) as Array<Record<string, unknown>>;
		expect(rows.map(row => row['note'])).toEqual(['a, "quoted"\nnote', '', '', '', '', 'a, "quoted"\nnote']);

		const get = await fs(['get', 'target-fg', 'c00005', '-o', 'json']);
		expect(JSON.parse(get.stdout)).toMatchObject({customer_id: 'c00005', note: 'a, "quoted"\nnote'});

		const clear = await fs(['clear', 'target-fg', '--offline-only', '--yes', '--json']);
		expect(clear.code).toBe(0);
		expect(JSON.parse(clear.stdout)).toMatchObject({offlineRowsDeleted: 1200});
		expect((JSON.parse(clear.stdout) as {offlineObjectsDeleted: number}).offlineObjectsDeleted).toBeGreaterThan(0);
	}, 120_000);

	it('says what is missing: a region, an Athena result location, a group (one deleted, too)', async () => {
		const noRegion = await fs(['list'], {env: {AWS_CONFIG_FILE: file('no-config')}});
		expect(noRegion.code).toBe(2);
		expect(noRegion.stderr).toContain('No AWS region: pass --region or set AWS_REGION');

		await create('no-output-fg');
		const noOutput = await fs(['export', 'no-output-fg', 'x.json'], {env: {FS_ATHENA_OUTPUT: undefined}});
		expect(noOutput.code).toBe(2);
		expect(noOutput.stderr).toMatch(/no query result location[\s\S]*--athena-output/);

		// add-features on the service: UpdateFeatureGroup, then the group shows them.
		const added = await fs(['add-features', 'no-output-fg', 'tier:String', '--json']);
		expect(added.code, added.stderr).toBe(0);
		expect(JSON.parse((await fs(['schema', 'no-output-fg', '-o', 'json'])).stdout)).toContainEqual({FeatureName: 'tier', FeatureType: 'String'});

		// delete-group on the service: DeleteFeatureGroup, waited for until DescribeFeatureGroup says it is gone.
		const deleted = await fs(['delete-group', 'no-output-fg', '--yes', '--json']);
		expect(deleted.code, deleted.stderr).toBe(0);
		expect(JSON.parse(deleted.stdout)).toMatchObject({FeatureGroupName: 'no-output-fg', status: 'Deleted', offlineFilesKept: true});
		expect((await fs(['schema', 'no-output-fg'])).stderr).toContain('Feature group no-output-fg does not exist in us-east-1');

		const missing = await fs(['schema', 'no-such-group']);
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain('Feature group no-such-group does not exist in us-east-1');
	}, 60_000);
});

describe('fs migrate into the service, with a round trip per call', () => {
	const temp = tempDir('fs-cli-sagemaker-latency-');
	const file = (name: string) => path.join(temp.dir, name);
	let emulator: RunningEmulator;
	let env: Record<string, string | undefined>;

	beforeAll(async () => {
		emulator = await startEmulator({dir: file('emulator'), port: 0, latencyMs: 25});
		env = serviceEnv(emulator, file('fs-home'), {FS_ATHENA_OUTPUT: 's3://athena-results/latency/'});
		writeFileSync(file('schema.json'), JSON.stringify([
			{FeatureName: 'id', FeatureType: 'String'},
			{FeatureName: 'event_time', FeatureType: 'String'},
			{FeatureName: 'version', FeatureType: 'Integral'},
		]));
	});
	afterAll(async () => {
		await emulator?.close();
		temp.remove();
	});

	it('keeps several BatchWriteRecord calls of one worker in flight, and each identifier\'s versions in order', async () => {
		const created = await runFs(['create', 'target', '--schema-file', 'schema.json', '--record-identifier-name', 'id', '--s3-uri', 's3://fs-data/latency', '--role-arn', 'arn:aws:iam::000000000000:role/fs'], {cwd: temp.dir, env});
		expect(created.code).toBe(0);

		// An embedded source: 300 identifiers with 4 versions each, all at one
		// event time, so that only the order they are written in decides which
		// stays online (the first). Calls sent together must not split them.
		const sourceDir = file('source');
		const source = new LocalStore(sourceDir);
		await source.createFeatureGroup(groupInput('source', ['version'], 's3://fs-data/source'));
		const ids = Array.from({length: 300}, (_, i) => `id-${String(i).padStart(3, '0')}`);
		for (const version of [0, 1, 2, 3]) await fill(source, 'source', ids, () => ({version: String(version)}));

		await source.close();
		const migrate = await runFs(['migrate', 'source', 'target', '--source-store', `local:${sourceDir}`, '--max-workers', '1', '--batch-size', '100', '--yes', '--json'], {cwd: temp.dir, env});
		expect(migrate.stderr).not.toMatch(/Unexpected error/);
		expect(migrate.code).toBe(0);
		expect((JSON.parse(migrate.stdout) as {result: {totals: Record<string, number>}}).result.totals).toMatchObject({read: 1200, written: 1200, failed: 0});
		// One worker: the shared concurrency allows it two calls at once (workers × 2); one call at a time would peak at 1.
		expect(emulator.peakInFlight('/BatchWriteRecord')).toBe(2);
		for (const id of ids) expect(await emulator.store.getRecord('target', id)).toEqual({id, event_time: '2024-01-01T00:00:00Z', version: '0'});
		const offline: string[] = [];
		for await (const batch of emulator.store.readOffline('target', {mode: 'history', columns: ['id', 'version']})) {
			for (let row = 0; row < batch.length; row++) offline.push(`${String(batch.columns[0]![row])}:${String(batch.columns[1]![row])}`);
		}

		expect(offline.sort()).toEqual(ids.flatMap(id => [0, 1, 2, 3].map(version => `${id}:${version}`)));

		// Clearing deletes several identifiers at once too (a GetRecord and a DeleteRecord each).
		const clear = await runFs(['clear', 'target', '--online-only', '--yes', '--json'], {cwd: temp.dir, env});
		expect(clear.code).toBe(0);
		expect(JSON.parse(clear.stdout)).toMatchObject({onlineRecordsDeleted: 300});
		expect(emulator.peakInFlight('/FeatureGroup/target')).toBeGreaterThanOrEqual(8);
		expect(await onlineIds(emulator.store, 'target')).toEqual([]);
	}, 120_000);
});

describe('fs migrate from an online-only group on the service', () => {
	const temp = tempDir('fs-cli-sagemaker-online-');
	let emulator: RunningEmulator;

	afterAll(async () => {
		await emulator?.close();
		temp.remove();
	});

	it('lists the identifiers once (for the plan\'s count, kept for the snapshot) and reads a few BatchGetRecord calls ahead', async () => {
		emulator = await startEmulator({dir: path.join(temp.dir, 'emulator'), port: 0, latencyMs: 20});
		for (const name of ['online-src', 'online-tgt']) await emulator.store.createFeatureGroup(groupInput(name, ['n']));
		const ids = Array.from({length: 2500}, (_, i) => `id-${i}`);
		await fill(emulator.store, 'online-src', ids, (_, index) => ({n: String(index)}));
		const env = serviceEnv(emulator, path.join(temp.dir, 'home'));
		const pages = () => emulator.requests('/FeatureGroup/online-src/ListRecords');
		const dry = await runFs(['migrate', 'online-src', 'online-tgt', '--dry-run', '--json'], {cwd: temp.dir, env});
		expect(dry.code).toBe(0);
		const listing = pages();
		expect(listing).toBeGreaterThan(0);
		const migrate = await runFs(['migrate', 'online-src', 'online-tgt', '--yes', '--json'], {cwd: temp.dir, env});
		expect(migrate.code).toBe(0);
		expect((JSON.parse(migrate.stdout) as {result: {totals: Record<string, number>}}).result.totals).toMatchObject({read: 2500, written: 2500, failed: 0});
		expect(pages() - listing).toBe(listing);
		// 25 calls of 100 identifiers, four in flight: one at a time would peak at 1.
		expect(emulator.peakInFlight('/BatchGetRecord')).toBe(4);
		for (const id of ['id-0', 'id-1234', 'id-2499']) expect(await emulator.store.getRecord('online-tgt', id)).toEqual(await emulator.store.getRecord('online-src', id));
	}, 60_000);
});

describe('fs clear on the service, throttled', () => {
	const temp = tempDir('fs-cli-sagemaker-throttled-');
	let emulator: RunningEmulator;

	afterAll(async () => {
		await emulator?.close();
		temp.remove();
	});

	it('retries throttled reads and deletes until every online record is gone', async () => {
		// A third of the calls throttled: the SDK's two quick retries alone would leave some records.
		emulator = await startEmulator({dir: path.join(temp.dir, 'emulator'), port: 0, throttleRate: 0.3, seed: 5});
		await emulator.store.createFeatureGroup(groupInput('busy', []));
		await fill(emulator.store, 'busy', Array.from({length: 200}, (_, i) => `id-${i}`));
		const env = serviceEnv(emulator, path.join(temp.dir, 'home'));
		const clear = await runFs(['clear', 'busy', '--online-only', '--yes', '--json'], {cwd: temp.dir, env});
		expect(clear.stderr).toContain('✔ Cleared busy: 200 online records deleted');
		expect(clear.code).toBe(0);
		expect(JSON.parse(clear.stdout)).toMatchObject({onlineRecordsDeleted: 200});
		expect(await onlineIds(emulator.store, 'busy')).toEqual([]);
	}, 60_000);
});

describe('fs migrate into the service when a call is refused outright', () => {
	const temp = tempDir('fs-cli-sagemaker-refused-');
	let emulator: RunningEmulator;

	afterAll(async () => {
		await emulator?.close();
		temp.remove();
	});

	it('stops at the failed batch, not past the batches queued behind it, and --resume leaves nothing out', async () => {
		// The 10th BatchWriteRecord gets a ValidationException, which is not retried: the worker stops.
		emulator = await startEmulator({dir: path.join(temp.dir, 'emulator'), port: 0, reject: {'/BatchWriteRecord': [10]}});
		for (const name of ['src', 'tgt']) await emulator.store.createFeatureGroup(groupInput(name, ['n']));
		const ids = Array.from({length: 3000}, (_, i) => `id-${String(i).padStart(4, '0')}`);
		await fill(emulator.store, 'src', ids, (_, index) => ({n: String(index)}));
		const env = serviceEnv(emulator, path.join(temp.dir, 'home'));
		const args = ['migrate', 'src', 'tgt', '--max-workers', '1', '--batch-size', '100', '--yes', '--json'];
		const first = await runFs(args, {cwd: temp.dir, env});
		expect(first.code).not.toBe(0);
		expect(first.stderr).toContain('Worker 1 stopped: The emulator was told to reject this /BatchWriteRecord request.');
		expect(emulator.requests('/BatchWriteRecord')).toBeGreaterThan(10);
		const listed = emulator.requests('/FeatureGroup/src/ListRecords');

		const resumed = await runFs([...args, '--resume'], {cwd: temp.dir, env});
		expect(resumed.stderr).not.toMatch(/✘/);
		expect(resumed.code).toBe(0);
		// The resume reads its run's list of identifiers: it lists nothing again, not even for the plan.
		expect(emulator.requests('/FeatureGroup/src/ListRecords')).toBe(listed);
		expect((JSON.parse(resumed.stdout) as {plan: {estimatedRecords: number}}).plan.estimatedRecords).toBe(3000);
		const missing: string[] = [];
		for (const id of ids) if (!await emulator.store.getRecord('tgt', id)) missing.push(id);
		expect(missing).toEqual([]);
	}, 60_000);
});

describe('fs migrate into the service without the permission to write', () => {
	const temp = tempDir('fs-cli-sagemaker-denied-');
	let emulator: RunningEmulator;

	afterAll(async () => {
		await emulator?.close();
		temp.remove();
	});

	it('a worker refused with AccessForbidden exits 2, naming the IAM action and how to resume', async () => {
		emulator = await startEmulator({dir: path.join(temp.dir, 'emulator'), port: 0, deny: ['/BatchWriteRecord']});
		for (const name of ['src', 'tgt']) await emulator.store.createFeatureGroup(groupInput(name, ['n']));
		await fill(emulator.store, 'src', ['a', 'b', 'c'], (_, index) => ({n: String(index)}));
		const result = await runFs(['migrate', 'src', 'tgt', '--max-workers', '1', '--yes'], {cwd: temp.dir, env: serviceEnv(emulator, path.join(temp.dir, 'home'))});
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/Access denied: sagemaker:BatchWriteRecord/);
		expect(result.stderr).toMatch(/Grant sagemaker:BatchWriteRecord .*to the role or user.* Resume it: fs migrate src tgt --store sagemaker --resume --run-id [\w-]+ --yes/);
		expect(result.stderr).not.toContain('bug in fs');
	}, 60_000);
});

describe('fs migrate into the service when entries come back unprocessed', () => {
	const temp = tempDir('fs-cli-sagemaker-partial-');
	const emulators: RunningEmulator[] = [];

	afterAll(async () => {
		for (const emulator of emulators) await emulator.close();
		temp.remove();
	});

	/** Every identifier's online record (its `version`) and the offline rows as `id:version`, sorted. */
	async function targetOf(emulator: RunningEmulator, ids: string[]) {
		const online = new Map<string, unknown>();
		for (const id of ids) online.set(id, (await emulator.store.getRecord('target', id))?.['version']);
		const offline: string[] = [];
		for await (const batch of emulator.store.readOffline('target', {mode: 'history', columns: ['id', 'version']})) {
			for (let row = 0; row < batch.length; row++) offline.push(`${String(batch.columns[0]![row])}:${String(batch.columns[1]![row])}`);
		}

		return {online, offline: offline.sort()};
	}

	it('ends with the online records and offline rows of a run without faults, versions of one event time included', async () => {
		// 800 identifiers with 4 versions each, written in this order: even ones all
		// at one event time (the first stays online), odd ones two at each of two
		// times (the third stays online).
		const sourceDir = path.join(temp.dir, 'source');
		const source = new LocalStore(sourceDir);
		await source.createFeatureGroup(groupInput('source', ['version'], 's3://fs-data/source'));
		const ids = Array.from({length: 800}, (_, i) => `id-${String(i).padStart(3, '0')}`);
		for (const version of [0, 1, 2, 3]) {
			await fill(source, 'source', ids, (_, index) => ({version: String(version), event_time: index % 2 === 1 && version >= 2 ? '2024-01-01T00:00:01Z' : '2024-01-01T00:00:00Z'}));
		}

		await source.close();
		const migrate = async (name: string, partialRate: number) => {
			const emulator = await startEmulator({dir: path.join(temp.dir, name), port: 0, partialRate, seed: 3});
			emulators.push(emulator);
			await emulator.store.createFeatureGroup(groupInput('target', ['version'], 's3://fs-data/target'));
			const failedFile = path.join(temp.dir, `${name}-failed.jsonl`);
			const env = serviceEnv(emulator, path.join(temp.dir, `${name}-home`), {FS_ATHENA_OUTPUT: 's3://athena-results/partial/'});
			const run = await runFs(['migrate', 'source', 'target', '--source-store', `local:${sourceDir}`, '--max-workers', '2', '--batch-size', '100', '--failed-output', failedFile, '--yes', '--json'], {cwd: temp.dir, env});
			expect(run.stderr).not.toMatch(/Unexpected error/);
			// An entry left unprocessed on all its 8 attempts (0.3⁸ a try) fails for good: it is in the failed-records file.
			const failed = existsSync(failedFile) ? readFileSync(failedFile, 'utf8').trim().split('\n').map(line => JSON.parse(line) as FailedLine) : [];
			expect(failed.every(line => line.errorCode === 'RetriesExhausted')).toBe(true);
			return {emulator, failed, code: run.code};
		};

		const clean = await migrate('clean', 0);
		expect(clean.failed).toEqual([]);
		const expected = await targetOf(clean.emulator, ids);
		expect([...expected.online.values()]).toEqual(ids.map((_, index) => (index % 2 === 1 ? '2' : '0')));
		expect(expected.offline).toHaveLength(3200);

		const faulty = await migrate('faulty', 0.3);
		const actual = await targetOf(faulty.emulator, ids);
		// A record that failed for good is missing from the target: its identifier may end otherwise.
		const gone = new Set(faulty.failed.map(line => line.recordIdentifier));
		const lost = new Set(faulty.failed.map(line => `${line.recordIdentifier}:${line.record['version']}`));
		expect(faulty.failed.length).toBeLessThan(5);
		expect(ids.filter(id => !gone.has(id) && actual.online.get(id) !== expected.online.get(id))).toEqual([]);
		expect(actual.offline).toEqual(expected.offline.filter(row => !lost.has(row)));
		expect(faulty.emulator.requests('/BatchWriteRecord')).toBeGreaterThan(clean.emulator.requests('/BatchWriteRecord'));
		expect(clean.code).toBe(0);
		expect(faulty.code).toBe(faulty.failed.length > 0 ? 3 : 0);
	}, 120_000);
});
