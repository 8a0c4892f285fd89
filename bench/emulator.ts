/**
 * The AWS path: `fs migrate --store sagemaker` against the emulator with 20 ms
 * added to every call (a round trip to a nearby region), against the obvious
 * way — one PutRecord at a time — run in the same bench, and against the
 * original tool's estimate of 50 records/s per worker.
 */
import path from 'node:path';
import {PutRecordCommand, SageMakerFeatureStoreRuntimeClient} from '@aws-sdk/client-sagemaker-featurestore-runtime';
import {startEmulator} from '../source/emulator/server.js';
import {LocalStore} from '../source/stores/local/index.js';
import {makeBenchGroup} from './fixture.js';
import {fmt, measure} from './measure.js';

const latencyMs = 20;

export async function emulatorSection(work: string) {
	const rows = Number(process.env['FS_BENCH_EMULATOR_ROWS'] ?? 20_000);
	const baselineRows = Number(process.env['FS_BENCH_BASELINE_ROWS'] ?? 300);
	const dir = path.join(work, 'emulator-store');
	await makeBenchGroup(dir, 'source', rows);
	await makeBenchGroup(dir, 'target', 0);
	await makeBenchGroup(dir, 'baseline', 0);
	const emulator = await startEmulator({dir, port: 0, latencyMs});
	const env = {
		FS_STORE: 'sagemaker', FS_HOME: path.join(work, 'emulator-home'), FS_ATHENA_OUTPUT: 's3://athena-results/bench/',
		AWS_ENDPOINT_URL: emulator.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
	};
	try {
		const baseline = await sequentialPuts(dir, emulator.url, baselineRows);
		const ours = await measure(['migrate', 'source', 'target', '--offline-copy', 'api', '--yes', '--json'], env);
		if (ours.code !== 0) throw new Error(`migrate through the emulator exited ${ours.code}`);
		const rate = ours.json?.result?.recordsPerSecond ?? rows / ours.seconds;
		const seed = 50 * 4;
		console.log(`\n## migrate through the AWS emulator (${latencyMs} ms per call), history mode, 20 features\n`);
		console.log('| path | records | seconds | records/s | × sequential |');
		console.log('|---|---:|---:|---:|---:|');
		console.log(`| one PutRecord at a time (same emulator, same latency) | ${fmt(baselineRows)} | ${baseline.toFixed(1)} | ${fmt(baselineRows / baseline)} | 1× |`);
		console.log(`| the original tool's estimate: 50 records/s per worker × 4 | | | ${fmt(seed)} | ${(seed / (baselineRows / baseline)).toFixed(1)}× |`);
		console.log(`| fs migrate --offline-copy api (every row; 4 workers, BatchWriteRecord of 25) | ${fmt(rows)} | ${ours.seconds.toFixed(1)} | ${fmt(rate)} | ${(rate / (baselineRows / baseline)).toFixed(0)}× |`);
		console.log(`\nrecords/s of fs migrate is the engine's own (transfer only); seconds include start-up, the Athena query and verification.`);
	} finally {
		await emulator.close();
	}
}

/** Seconds to write the first `count` source records with one PutRecord each, in turn. */
async function sequentialPuts(dir: string, endpoint: string, count: number): Promise<number> {
	const store = new LocalStore(dir);
	const records: Array<Array<{FeatureName: string; ValueAsString: string}>> = [];
	try {
		for await (const batch of store.readOffline('source', {mode: 'history', limit: count})) {
			for (let row = 0; row < batch.length; row++) {
				records.push(batch.names.flatMap((name, column) => {
					const value = batch.columns[column]![row];
					return typeof value === 'string' ? [{FeatureName: name, ValueAsString: value}] : [];
				}));
			}
		}
	} finally {
		await store.close();
	}

	process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
	const client = new SageMakerFeatureStoreRuntimeClient({endpoint, region: 'us-east-1', credentials: {accessKeyId: 'test', secretAccessKey: 'test'}});
	const started = performance.now();
	for (const record of records) await client.send(new PutRecordCommand({FeatureGroupName: 'baseline', Record: record}));
	client.destroy();
	return (performance.now() - started) / 1000;
}
