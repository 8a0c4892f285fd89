/**
 * `--store` → a Store. `local:DIR` and `local` open the embedded store;
 * `sagemaker` (the default) the AWS service.
 */
import {homedir} from 'node:os';
import path from 'node:path';
import {runtimeError, usageError} from '../core/errors.js';
import type {Store} from './store.js';
import {LocalStore, type LocalStoreOptions} from './local/index.js';

export interface StoreOptions {
	spec?: string;
	profile?: string;
	region?: string;
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
	throw runtimeError(
		'The sagemaker store is not available in this version of fs yet.',
		'Use the embedded store: --store local:DIR (try `fs demo`).',
		'NotImplemented',
	);
}

export function describeStore(store: Store): string {
	const {info} = store;
	return info.kind === 'local' ? `local (${info.location})` : `sagemaker ${info.region ?? ''} account ${info.account ?? '?'}`.trim();
}

/** What a worker thread needs to open the same store: plain data. */
export type StoreHandle = StoreSpec & {region?: string; profile?: string};

export function storeHandle(options: StoreOptions): StoreHandle {
	return {...parseStoreSpec(options.spec, options.env), ...(options.region ? {region: options.region} : {}), ...(options.profile ? {profile: options.profile} : {})};
}

/** `local` applies to the embedded store only (batch size, shared write lock). */
export async function openStoreHandle(handle: StoreHandle, env: NodeJS.ProcessEnv = process.env, local: LocalStoreOptions = {}): Promise<Store> {
	return openStore({spec: handle.kind === 'local' ? `local:${handle.dir}` : 'sagemaker', region: handle.region, profile: handle.profile, env}, local);
}
