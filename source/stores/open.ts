/**
 * `--store` → a Store. `local:DIR` and `local` open the embedded store;
 * `sagemaker` (the default) the AWS service.
 */
import {homedir} from 'node:os';
import path from 'node:path';
import {usageError} from '../core/errors.js';
import type {Store} from './store.js';
import {LocalStore, type LocalStoreOptions} from './local/index.js';

export interface StoreOptions {
	spec?: string;
	profile?: string;
	region?: string;
	/** s3://… for Athena query results (else FS_ATHENA_OUTPUT, else the workgroup's). */
	athenaOutput?: string;
	/** Athena workgroup (else FS_ATHENA_WORKGROUP, else primary). */
	athenaWorkgroup?: string;
	env: NodeJS.ProcessEnv;
}

export type StoreSpec = {kind: 'local'; dir: string} | {kind: 'sagemaker'};

export function parseStoreSpec(spec: string | undefined, env: NodeJS.ProcessEnv): StoreSpec {
	const text = spec ?? env['FS_STORE'] ?? 'sagemaker';
	if (text === 'sagemaker') return {kind: 'sagemaker'};
	if (text === 'local') return {kind: 'local', dir: path.join(env['HOME'] ?? homedir(), '.fs', 'local')};
	if (text.startsWith('local:') && text.length > 'local:'.length) {
		const dir = text.slice('local:'.length).replace(/^~(?=\/|$)/, env['HOME'] ?? homedir());
		return {kind: 'local', dir: path.resolve(dir)};
	}

	throw usageError(`Unknown store ${JSON.stringify(text)}.`, 'Use --store sagemaker, --store local:DIR or --store local.');
}

export async function openStore(options: StoreOptions, local: LocalStoreOptions = {}): Promise<Store> {
	const spec = parseStoreSpec(options.spec, options.env);
	if (spec.kind === 'local') return new LocalStore(spec.dir, {region: options.region, ...local});
	const athena = athenaSettings(options);
	// Loaded on first use: the AWS SDK costs over half a second at startup, which
	// commands on the embedded store (and their worker threads) need not pay.
	const {SageMakerStore} = await import('./sagemaker/index.js');
	const store = new SageMakerStore({
		...(options.region ? {region: options.region} : {}),
		...(options.profile ? {profile: options.profile} : {}),
		...athena,
		env: options.env,
	});
	try {
		return await store.open();
	} catch (error) {
		await store.close();
		throw error;
	}
}

/** The Athena settings from the options, else the environment. */
function athenaSettings(options: StoreOptions): {athenaOutput?: string; athenaWorkgroup?: string} {
	const output = options.athenaOutput ?? options.env['FS_ATHENA_OUTPUT'];
	const workgroup = options.athenaWorkgroup ?? options.env['FS_ATHENA_WORKGROUP'];
	if (output !== undefined && !/^s3:\/\/[^/]+/.test(output)) {
		throw usageError(`The Athena output location ${JSON.stringify(output)} is not an S3 location.`, 'Pass --athena-output s3://bucket/prefix/ (or set FS_ATHENA_OUTPUT).');
	}

	return {...(output ? {athenaOutput: output} : {}), ...(workgroup ? {athenaWorkgroup: workgroup} : {})};
}

export function describeStore(store: Store): string {
	const {info} = store;
	return info.kind === 'local' ? `local (${info.location})` : `sagemaker ${info.region ?? ''} account ${info.account ?? '?'}`.trim();
}

/** What a worker thread needs to open the same store: plain data. */
export type StoreHandle = StoreSpec & {region?: string; profile?: string; athenaOutput?: string; athenaWorkgroup?: string};

/**
 * For the AWS service the handle carries the region, profile and Athena
 * settings as resolved here, environment included: a worker thread (or a
 * resumed run) then opens the same account, region and result location even
 * if its own environment says otherwise.
 */
export function storeHandle(options: StoreOptions): StoreHandle {
	const spec = parseStoreSpec(options.spec, options.env);
	if (spec.kind === 'local') {
		return {...spec, ...(options.region ? {region: options.region} : {}), ...(options.profile ? {profile: options.profile} : {})};
	}

	const region = options.region ?? options.env['AWS_REGION'] ?? options.env['AWS_DEFAULT_REGION'];
	const profile = options.profile ?? options.env['AWS_PROFILE'];
	return {...spec, ...(region ? {region} : {}), ...(profile ? {profile} : {}), ...athenaSettings(options)};
}

/** `local` applies to the embedded store only (batch size, shared write lock). */
export async function openStoreHandle(handle: StoreHandle, env: NodeJS.ProcessEnv = process.env, local: LocalStoreOptions = {}): Promise<Store> {
	return openStore({
		spec: handle.kind === 'local' ? `local:${handle.dir}` : 'sagemaker',
		region: handle.region,
		profile: handle.profile,
		...(handle.kind === 'sagemaker' ? {athenaOutput: handle.athenaOutput, athenaWorkgroup: handle.athenaWorkgroup} : {}),
		env,
	}, local);
}
