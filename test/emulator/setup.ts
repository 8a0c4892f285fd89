/**
 * An emulator in a temporary directory and the real AWS SDK v3 clients
 * pointed at it, as the sagemaker adapter will use them.
 */
import path from 'node:path';
import {AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand, type QueryExecution} from '@aws-sdk/client-athena';
import {S3Client} from '@aws-sdk/client-s3';
import {SageMakerClient} from '@aws-sdk/client-sagemaker';
import {SageMakerFeatureStoreRuntimeClient} from '@aws-sdk/client-sagemaker-featurestore-runtime';
import {startEmulator, type EmulatorOptions, type RunningEmulator} from '../../source/emulator/server.js';
import type {CreateFeatureGroupInput} from '../../source/core/types.js';
import {tempDir} from '../helpers/temp.js';

export interface EmulatorUnderTest {
	emulator: RunningEmulator;
	sagemaker: SageMakerClient;
	runtime: SageMakerFeatureStoreRuntimeClient;
	athena: AthenaClient;
	s3: S3Client;
	dir: string;
	stop(): Promise<void>;
}

export async function emulatorUnderTest(options: Omit<EmulatorOptions, 'dir'> = {}, maxAttempts = 3): Promise<EmulatorUnderTest> {
	const temp = tempDir('fs-emulator-');
	const dir = path.join(temp.dir, 'store');
	const emulator = await startEmulator({dir, port: 0, ...options});
	const config = {
		endpoint: emulator.url,
		region: 'us-east-1',
		credentials: {accessKeyId: 'test', secretAccessKey: 'test'},
		maxAttempts,
	};
	const clients = {
		sagemaker: new SageMakerClient(config),
		runtime: new SageMakerFeatureStoreRuntimeClient(config),
		athena: new AthenaClient(config),
		s3: new S3Client({...config, forcePathStyle: true}),
	};
	return {
		emulator, dir, ...clients,
		async stop() {
			for (const client of Object.values(clients)) client.destroy();
			await emulator.close();
			temp.remove();
		},
	};
}

/**
 * Run a query through the emulator's Athena to its end, polling as a client
 * does; `output` null: no ResultConfiguration (the workgroup's location).
 * `onState` sees every state polled.
 */
export async function runQuery(subject: Pick<EmulatorUnderTest, 'athena'>, QueryString: string, output: string | null, onState?: (state: string) => void): Promise<QueryExecution> {
	const {QueryExecutionId} = await subject.athena.send(new StartQueryExecutionCommand({
		QueryString, QueryExecutionContext: {Database: 'sagemaker_featurestore'}, ...(output ? {ResultConfiguration: {OutputLocation: output}} : {}),
	}));
	for (;;) {
		const {QueryExecution} = await subject.athena.send(new GetQueryExecutionCommand({QueryExecutionId}));
		const state = QueryExecution!.Status!.State!;
		onState?.(state);
		if (!['QUEUED', 'RUNNING'].includes(state)) return QueryExecution!;
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

/** CreateFeatureGroup's input for a small group: id, event_time, n, x, label. */
export function groupRequest(name: string, overrides: Partial<CreateFeatureGroupInput> = {}) {
	return {
		FeatureGroupName: name,
		RecordIdentifierFeatureName: 'id',
		EventTimeFeatureName: 'event_time',
		FeatureDefinitions: [
			{FeatureName: 'id', FeatureType: 'String' as const},
			{FeatureName: 'event_time', FeatureType: 'String' as const},
			{FeatureName: 'n', FeatureType: 'Integral' as const},
			{FeatureName: 'x', FeatureType: 'Fractional' as const},
			{FeatureName: 'label', FeatureType: 'String' as const},
		],
		OnlineStoreConfig: {EnableOnlineStore: true},
		OfflineStoreConfig: {S3StorageConfig: {S3Uri: 's3://emulator-bucket/fs'}},
		RoleArn: 'arn:aws:iam::000000000000:role/emulator',
		...overrides,
	};
}

export const at = (second: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, second)).toISOString().replace('.000Z', 'Z');

/** A record on the wire. */
export function wire(values: Record<string, string | undefined>) {
	return Object.entries(values).filter(([, value]) => value !== undefined).map(([FeatureName, value]) => ({FeatureName, ValueAsString: value!}));
}
