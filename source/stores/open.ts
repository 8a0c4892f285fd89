/**
 * `--store` → a Store. `local:DIR` and `local` open the embedded store;
 * `sagemaker` (the default) the AWS service.
 */
import {homedir} from 'node:os';
import path from 'node:path';
import {usageError} from '../core/errors.js';
import type {Store, StoreInfo} from './store.js';
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

/** What a worker thread needs to open the same store: plain data. */
export type StoreHandle = StoreSpec & {region?: string; profile?: string; athenaOutput?: string; athenaWorkgroup?: string};

/**
 * One kind of store: how `--store` names it, how it opens, what a worker
 * thread needs to open the same one, and how it is described. Adding a store
 * is adding an entry to `storeKinds` (docs/architecture.md).
 */
interface StoreKind<S extends StoreSpec> {
	kind: S['kind'];
	/** The spec `text` names, or undefined when it is not this kind's. */
	parse(text: string, env: NodeJS.ProcessEnv): S | undefined;
	open(spec: S, options: StoreOptions, local: LocalStoreOptions): Promise<Store>;
	handle(spec: S, options: StoreOptions): StoreHandle;
	/** The handle as `--store` text. */
	format(handle: StoreHandle & S): string;
	describe(info: StoreInfo): string;
}

const localKind: StoreKind<Extract<StoreSpec, {kind: 'local'}>> = {
	kind: 'local',
	parse(text, env) {
		if (text === 'local') return {kind: 'local', dir: path.join(env['HOME'] ?? homedir(), '.fs', 'local')};
		if (!text.startsWith('local:') || text.length === 'local:'.length) return undefined;
		const dir = text.slice('local:'.length).replace(/^~(?=\/|$)/, env['HOME'] ?? homedir());
		return {kind: 'local', dir: path.resolve(dir)};
	},
	async open(spec, options, local) {
		return new LocalStore(spec.dir, {region: options.region, ...local});
	},
	handle: (spec, options) => ({...spec, ...(options.region ? {region: options.region} : {}), ...(options.profile ? {profile: options.profile} : {})}),
	format: handle => `local:${handle.dir}`,
	describe: info => `local (${info.location})`,
};

const sagemakerKind: StoreKind<Extract<StoreSpec, {kind: 'sagemaker'}>> = {
	kind: 'sagemaker',
	parse: text => (text === 'sagemaker' ? {kind: 'sagemaker'} : undefined),
	async open(_spec, options) {
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
	},
	handle(spec, options) {
		const region = options.region ?? options.env['AWS_REGION'] ?? options.env['AWS_DEFAULT_REGION'];
		const profile = options.profile ?? options.env['AWS_PROFILE'];
		return {...spec, ...(region ? {region} : {}), ...(profile ? {profile} : {}), ...athenaSettings(options)};
	},
	format: () => 'sagemaker',
	describe: info => `sagemaker ${info.region ?? ''} account ${info.account ?? '?'}`.trim(),
};

/** The stores fs knows, in the order `--store` text is tried. */
const storeKinds = [localKind, sagemakerKind] as const;

function kindOf<S extends StoreSpec>(spec: S): StoreKind<S> {
	return storeKinds.find(kind => kind.kind === spec.kind) as unknown as StoreKind<S>;
}

export function parseStoreSpec(spec: string | undefined, env: NodeJS.ProcessEnv): StoreSpec {
	const text = spec ?? env['FS_STORE'] ?? 'sagemaker';
	for (const kind of storeKinds) {
		const parsed = kind.parse(text, env);
		if (parsed) return parsed;
	}

	throw usageError(`Unknown store ${JSON.stringify(text)}.`, 'Use --store sagemaker, --store local:DIR or --store local.');
}

export async function openStore(options: StoreOptions, local: LocalStoreOptions = {}): Promise<Store> {
	const spec = parseStoreSpec(options.spec, options.env);
	return kindOf(spec).open(spec, options, local);
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
	const kind = storeKinds.find(candidate => candidate.kind === store.info.kind);
	return kind ? kind.describe(store.info) : store.info.kind;
}

/**
 * For the AWS service the handle carries the region, profile and Athena
 * settings as resolved here, environment included: a worker thread (or a
 * resumed run) then opens the same account, region and result location even
 * if its own environment says otherwise.
 */
export function storeHandle(options: StoreOptions): StoreHandle {
	const spec = parseStoreSpec(options.spec, options.env);
	return kindOf(spec).handle(spec, options);
}

/** `local` applies to the embedded store only (batch size, shared write lock). */
export async function openStoreHandle(handle: StoreHandle, env: NodeJS.ProcessEnv = process.env, local: LocalStoreOptions = {}): Promise<Store> {
	return openStore({
		spec: kindOf(handle).format(handle),
		region: handle.region,
		profile: handle.profile,
		...(handle.kind === 'sagemaker' ? {athenaOutput: handle.athenaOutput, athenaWorkgroup: handle.athenaWorkgroup} : {}),
		env,
	}, local);
}
