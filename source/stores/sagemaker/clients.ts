/**
 * The four AWS SDK v3 clients of the sagemaker store, configured once:
 * region and profile from the flags or the standard chain, endpoints from
 * AWS_ENDPOINT_URL* (the emulator, LocalStack), keep-alive sockets enough for
 * parallel workers, and the SDK's standard retries under the engine's own
 * backoff.
 */
import {readFileSync} from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import {homedir} from 'node:os';
import path from 'node:path';
import type {AthenaClient} from '@aws-sdk/client-athena';
import type {S3Client} from '@aws-sdk/client-s3';
import type {SageMakerClient} from '@aws-sdk/client-sagemaker';
import type {SageMakerFeatureStoreRuntimeClient} from '@aws-sdk/client-sagemaker-featurestore-runtime';
import type {STSClient} from '@aws-sdk/client-sts';
import {noRegionError} from './errors.js';
import {loadPackage} from '../../io/cjs.js';

export type SageMakerSdk = typeof import('@aws-sdk/client-sagemaker');
export type RuntimeSdk = typeof import('@aws-sdk/client-sagemaker-featurestore-runtime');
export type AthenaSdk = typeof import('@aws-sdk/client-athena');
export type S3Sdk = typeof import('@aws-sdk/client-s3');
export type StsSdk = typeof import('@aws-sdk/client-sts');

/** A client with its package (for the command classes). */
export interface Loaded<Client, Sdk> {
	client: Client;
	sdk: Sdk;
}

export interface AwsSettings {
	region?: string;
	profile?: string;
	env: NodeJS.ProcessEnv;
	/** Sockets per host; a migration runs several workers with many calls in flight each. */
	maxSockets?: number;
}

/**
 * Record calls: two quick retries (25 then 50 ms, jittered) for the odd blip.
 * The SDK's standard strategy waits 500 ms and more after throttling, out of
 * sight of the engine, whose own backoff and shared concurrency are the ones
 * that should pace a migration.
 */
const quickRetries = {
	mode: 'standard',
	async acquireInitialRetryToken() {
		return {attempt: 0, getRetryCount: () => 0};
	},
	async refreshRetryTokenForRetry(token: {attempt: number}, error: {errorType?: string}) {
		const retryable = error.errorType === 'THROTTLING' || error.errorType === 'TRANSIENT' || error.errorType === 'SERVER_ERROR';
		if (!retryable || token.attempt >= 2) throw new Error('no more retries');
		const attempt = token.attempt + 1;
		return {attempt, getRetryCount: () => attempt, getRetryDelay: () => Math.random() * 25 * 2 ** attempt};
	},
	recordSuccess() {},
};

/** Which AWS_ENDPOINT_URL_<SERVICE> variable names each client's endpoint. */
const endpointVariables = {
	sagemaker: 'AWS_ENDPOINT_URL_SAGEMAKER',
	runtime: 'AWS_ENDPOINT_URL_SAGEMAKER_FEATURESTORE_RUNTIME',
	athena: 'AWS_ENDPOINT_URL_ATHENA',
	s3: 'AWS_ENDPOINT_URL_S3',
	sts: 'AWS_ENDPOINT_URL_STS',
} as const;

/**
 * The endpoint for a service from `env`. The SDK reads process.env by itself;
 * reading the env the store was given too keeps a store opened with another
 * env (tests, a parent's env in a worker) pointing where it was told.
 */
export function endpointFor(service: keyof typeof endpointVariables, env: NodeJS.ProcessEnv, profile?: string): string | undefined {
	if (env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] === 'true') return undefined;
	return env[endpointVariables[service]] || env['AWS_ENDPOINT_URL'] || (profile ? profileEndpoint(profile, env) : undefined);
}

/**
 * `endpoint_url` of a profile in the shared config file. The SDK reads it only
 * for the profile AWS_PROFILE names, not for the `profile` client option that
 * --source-profile/--target-profile set: two accounts, two endpoints.
 */
function profileEndpoint(profile: string, env: NodeJS.ProcessEnv): string | undefined {
	let text: string;
	try {
		text = readFileSync(env['AWS_CONFIG_FILE'] ?? path.join(env['HOME'] ?? homedir(), '.aws', 'config'), 'utf8');
	} catch {
		return undefined;
	}

	let inProfile = false;
	for (const line of text.split(/\r?\n/)) {
		const section = /^\s*\[\s*(.+?)\s*\]\s*$/.exec(line);
		if (section) {
			inProfile = section[1] === (profile === 'default' ? 'default' : `profile ${profile}`);
			continue;
		}

		const setting = /^\s*endpoint_url\s*=\s*(\S+)\s*$/.exec(line);
		if (inProfile && setting) return setting[1];
	}

	return undefined;
}

/** Region from the flag or the environment; undefined leaves it to the profile's config. */
export function regionFrom(settings: Pick<AwsSettings, 'region' | 'env'>): string | undefined {
	return settings.region || settings.env['AWS_REGION'] || settings.env['AWS_DEFAULT_REGION'] || undefined;
}

/**
 * Each client and its package are loaded on first use: the SageMaker package
 * alone takes over half a second to load, and a worker thread that only
 * reads a local snapshot or writes records needs none or one of them.
 */
export class AwsClients {
	private readonly agents: {http: http.Agent; https: https.Agent};
	private readonly common: Record<string, unknown>;
	private readonly loaded: Array<Promise<{client: {destroy(): void}}>> = [];
	private sagemakerClient?: Promise<Loaded<SageMakerClient, SageMakerSdk>>;
	private runtimeClient?: Promise<Loaded<SageMakerFeatureStoreRuntimeClient, RuntimeSdk>>;
	private athenaClient?: Promise<Loaded<AthenaClient, AthenaSdk>>;
	private s3Client?: Promise<Loaded<S3Client, S3Sdk>>;
	private stsClient?: Promise<Loaded<STSClient, StsSdk>>;

	constructor(readonly settings: AwsSettings) {
		// The SDK warns on every run that Node 20 support ends in 2027: noise
		// on an operator's terminal, not something they can act on here.
		process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
		const sockets = {keepAlive: true, maxSockets: settings.maxSockets ?? 64};
		this.agents = {http: new http.Agent(sockets), https: new https.Agent(sockets)};
		const region = regionFrom(settings);
		this.common = {
			...(region ? {region} : {}),
			...(settings.profile ? {profile: settings.profile} : {}),
			// The engine retries with its own backoff and concurrency control; the
			// SDK's few quick retries absorb the odd blip underneath.
			maxAttempts: 3,
			retryMode: 'standard',
			requestHandler: {httpAgent: this.agents.http, httpsAgent: this.agents.https, connectionTimeout: 10_000},
		};
	}

	private config(service: keyof typeof endpointVariables): Record<string, unknown> {
		const url = endpointFor(service, this.settings.env, this.settings.profile);
		// Control plane, Athena and S3 calls are few, and nothing above the SDK
		// retries them: under throttling they get more patience than writes.
		const attempts = service === 'runtime' ? {retryStrategy: quickRetries} : {maxAttempts: 8};
		return {...this.common, ...attempts, ...(url ? {endpoint: url} : {})};
	}

	private track<T extends {client: {destroy(): void}}>(loading: Promise<T>): Promise<T> {
		this.loaded.push(loading);
		return loading;
	}

	async sts(): Promise<Loaded<STSClient, StsSdk>> {
		this.stsClient ??= this.track(loadPackage<StsSdk>('@aws-sdk/client-sts').then(sdk => ({sdk, client: new sdk.STSClient(this.config('sts'))})));
		return this.stsClient;
	}

	async sagemaker(): Promise<Loaded<SageMakerClient, SageMakerSdk>> {
		this.sagemakerClient ??= this.track(loadPackage<SageMakerSdk>('@aws-sdk/client-sagemaker').then(sdk => ({sdk, client: new sdk.SageMakerClient(this.config('sagemaker'))})));
		return this.sagemakerClient;
	}

	async runtime(): Promise<Loaded<SageMakerFeatureStoreRuntimeClient, RuntimeSdk>> {
		this.runtimeClient ??= this.track(loadPackage<RuntimeSdk>('@aws-sdk/client-sagemaker-featurestore-runtime').then(sdk => ({sdk, client: new sdk.SageMakerFeatureStoreRuntimeClient(this.config('runtime'))})));
		return this.runtimeClient;
	}

	async athena(): Promise<Loaded<AthenaClient, AthenaSdk>> {
		this.athenaClient ??= this.track(loadPackage<AthenaSdk>('@aws-sdk/client-athena').then(sdk => ({sdk, client: new sdk.AthenaClient(this.config('athena'))})));
		return this.athenaClient;
	}

	async s3(): Promise<Loaded<S3Client, S3Sdk>> {
		this.s3Client ??= this.track(loadPackage<S3Sdk>('@aws-sdk/client-s3').then(sdk => ({
			sdk,
			client: new sdk.S3Client({
				...this.config('s3'),
				// A local endpoint has no virtual-hosted buckets; a result bucket in
				// another region is followed rather than failing.
				forcePathStyle: endpointFor('s3', this.settings.env, this.settings.profile) !== undefined || endpointFor('s3', process.env) !== undefined,
				followRegionRedirects: true,
			}),
		})));
		return this.s3Client;
	}

	/** The region the clients use: flag, environment, or the profile's config. */
	async region(): Promise<string> {
		const given = regionFrom(this.settings);
		if (given) return given;
		try {
			// The smallest client resolves it the way all of them will.
			const resolved = await (await this.runtime()).client.config.region();
			if (resolved) return resolved;
		} catch {
			// The SDK's "Region is missing": ours says what to do.
		}

		throw noRegionError();
	}

	async destroy() {
		const loaded = await Promise.allSettled(this.loaded);
		for (const result of loaded) if (result.status === 'fulfilled') result.value.client.destroy();
		this.agents.http.destroy();
		this.agents.https.destroy();
	}
}
