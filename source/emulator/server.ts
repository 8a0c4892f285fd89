/**
 * The AWS emulator: one HTTP server that the real AWS SDK v3 clients talk to
 * (SageMaker control plane, Feature Store Runtime, Athena, S3), serving a
 * LocalStore. Requests are told apart as the services' protocols allow:
 * `X-Amz-Target: SageMaker.*` / `AmazonAthena.*` (awsJson1_1), the runtime's
 * restJson1 paths, and everything else is S3 path-style (bucket names are
 * lowercase, so `/FeatureGroup/…` can never be a bucket).
 */
import {randomUUID} from 'node:crypto';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {pipeline} from 'node:stream/promises';
import {setTimeout as sleep} from 'node:timers/promises';
import {LocalStore} from '../stores/local/index.js';
import {usageError} from '../core/errors.js';
import {Athena} from './athena.js';
import {Glue, Query, signedService, UnknownJson} from './catalog.js';
import {Faults, isRate} from './faults.js';
import {declaredSize, discardRest, maxJsonBodyBytes, maxObjectBytes, readBody, refusal, tooLarge, type Listening} from './gate.js';
import {ApiError, type ApiReply, type ApiRequest, type Service} from './http.js';
import {Runtime, type WriteTally} from './runtime.js';
import {S3} from './s3.js';
import {SageMaker} from './sagemaker.js';

export interface EmulatorOptions {
	/** Local store directory (created if new). */
	dir: string;
	/** 0 picks a free port (the default here; the CLI defaults to 4566). */
	port?: number;
	/** Default 127.0.0.1: the emulator checks no signatures, so it stays on this machine unless told. */
	host?: string;
	/** Added to every request. */
	latencyMs?: number;
	/** Share of requests answered with ThrottlingException (S3: SlowDown). */
	throttleRate?: number;
	/** Share of requests answered with a 500 (InternalFailure, InternalServerException, InternalError). */
	errorRate?: number;
	/** Share of BatchWriteRecord entries (and BatchGetRecord identifiers) returned unprocessed. */
	partialRate?: number;
	/** Seed of the fault streams. */
	seed?: number;
	/** The primary workgroup's result location (s3://bucket/prefix); none by default. */
	athenaOutput?: string;
	/** How long a new feature group stays Creating. */
	createDelayMs?: number;
	/** Where unexpected errors are reported (a bug in the emulator, not a client error). */
	log?: (line: string) => void;
	/** Record API requests answered with a 400 ValidationException, which no client retries: by path, their numbers from 1. */
	reject?: Record<string, number[]>;
	/** Record API paths (`/BatchWriteRecord`, say) refused as an IAM policy without their action would: 403 AccessForbidden. */
	deny?: string[];
	/** The largest S3 object a PutObject takes (default 5 GB, as S3). */
	maxObjectBytes?: number;
	/** Record writes are acknowledged and not stored: what one client can drive, measured without the store's work. */
	discardWrites?: boolean;
}

export interface RunningEmulator {
	url: string;
	port: number;
	/** The store being served (tests look behind the API with it). */
	store: LocalStore;
	/** The most requests to one path of the record API (`/BatchWriteRecord`, say) ever in flight at once. */
	peakInFlight(path: string): number;
	/** Requests to one path of the record API so far; `athenaStatements`: Athena's StartQueryExecution calls. */
	requests(path: string): number;
	/** Record writes acknowledged so far (stored or discarded), and the write units the service would bill them. */
	writes(): WriteTally;
	close(): Promise<void>;
}

/** What `requests` counts Athena's statements (StartQueryExecution) under. */
export const athenaStatements = 'athena:StartQueryExecution';

interface Handler {
	handle(request: ApiRequest): Promise<ApiReply>;
	renderError(error: ApiError, requestId: string): ApiReply;
}

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
	for (const [name, value] of Object.entries({throttleRate: options.throttleRate, errorRate: options.errorRate, partialRate: options.partialRate})) {
		if (value !== undefined && !isRate(value)) throw usageError(`${name} must be from 0 to 1, got ${value}.`, 'Pass a share such as 0.1.');
	}

	// Faults are the emulator's: FS_LOCAL_FAULTS must not add a second layer underneath.
	// Absolute: DuckDB's allowed directory and every object path derive from it.
	const store = new LocalStore(path.resolve(options.dir), {createDelayMs: options.createDelayMs ?? 0, faults: {throttle: 0, error: 0, seed: 1}});
	const faults = new Faults({
		throttleRate: options.throttleRate ?? 0,
		errorRate: options.errorRate ?? 0,
		partialRate: options.partialRate ?? 0,
		seed: options.seed ?? 1,
	});
	const athena = new Athena(store, options.athenaOutput);
	const runtime = new Runtime(store, faults, options.discardWrites === true);
	const handlers: Record<Service, Handler> = {
		sagemaker: new SageMaker(store),
		runtime,
		athena,
		s3: new S3(store),
		glue: new Glue(store),
		query: new Query(store),
		unknown: new UnknownJson(),
	};
	const log = options.log ?? (() => undefined);
	const latency = options.latencyMs ?? 0;
	const objectLimit = options.maxObjectBytes ?? maxObjectBytes;
	const listening: Listening = {port: 0, addresses: []};

	const server = createServer((incoming, response) => {
		void serve(incoming, response).catch(error => {
			log(`emulator: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
			if (!response.headersSent) response.writeHead(500);
			response.end();
		});
	});

	const inFlight = new Map<string, number>();
	const peaks = new Map<string, number>();
	const counts = new Map<string, number>();
	async function serve(incoming: IncomingMessage, response: ServerResponse) {
		// Split by hand: new URL() would read a path starting with "//" (an S3 key with a leading "/") as a host.
		const target = incoming.url ?? '/';
		const mark = target.indexOf('?');
		const pathname = mark < 0 ? target : target.slice(0, mark);
		const url = {pathname, searchParams: new URLSearchParams(mark < 0 ? '' : target.slice(mark + 1))};
		// Counted for the record API only: its paths are few (S3's, one per object, are not); and Athena's statements.
		const service = serviceOf(incoming.headers, pathname, incoming.method);
		if (service === 'athena' && String(incoming.headers['x-amz-target'] ?? '').endsWith('.StartQueryExecution')) counts.set(athenaStatements, (counts.get(athenaStatements) ?? 0) + 1);
		if (service !== 'runtime') return answer(incoming, response, url, false);
		const now = (inFlight.get(pathname) ?? 0) + 1;
		inFlight.set(pathname, now);
		peaks.set(pathname, Math.max(now, peaks.get(pathname) ?? 0));
		const number = (counts.get(pathname) ?? 0) + 1;
		counts.set(pathname, number);
		try {
			await answer(incoming, response, url, options.reject?.[pathname]?.includes(number) ?? false);
		} finally {
			inFlight.set(pathname, inFlight.get(pathname)! - 1);
		}
	}

	async function answer(incoming: IncomingMessage, response: ServerResponse, url: {pathname: string; searchParams: URLSearchParams}, reject: boolean) {
		const requestId = randomUUID();
		const service = serviceOf(incoming.headers, url.pathname, incoming.method);
		const handler = handlers[service];
		const method = incoming.method ?? 'GET';
		let reply: ApiReply;
		try {
			const refused = refusal(service, incoming, url.searchParams, listening);
			if (refused) throw refused;
			// An object goes to disk as it arrives; every other body is small and read first.
			const streamed = service === 's3' && S3.streamsBody(method, url.pathname, incoming.headers);
			const limit = streamed ? objectLimit : maxJsonBodyBytes;
			const declared = declaredSize(incoming);
			if (declared !== undefined && declared > limit) throw tooLarge(service, limit, declared);
			const body = streamed ? Buffer.alloc(0) : await readBody(incoming, limit, () => tooLarge(service, limit));
			if (latency > 0) await sleep(latency);
			if (reject) throw new ApiError(400, 'ValidationException', `The emulator was told to reject this ${url.pathname} request.`);
			if (service === 'runtime' && options.deny?.includes(url.pathname)) {
				throw new ApiError(403, 'AccessForbidden', `User: arn:aws:iam::000000000000:user/fs-emulator is not authorized to perform: sagemaker:${url.pathname.split('/').filter(Boolean)[0]}`);
			}
			const fault = faults.forRequest(service);
			if (fault) throw fault;
			reply = await handler.handle({method, rawPath: url.pathname, query: url.searchParams, headers: incoming.headers, body, ...(streamed ? {stream: incoming, maxBodyBytes: limit} : {})});
		} catch (error) {
			if (!(error instanceof ApiError)) log(`emulator: ${service} ${incoming.method} ${url.pathname}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
			const apiError = error instanceof ApiError ? error : new ApiError(500, service === 's3' ? 'InternalError' : 'InternalFailure', error instanceof Error ? error.message : String(error));
			reply = handler.renderError(apiError, requestId);
		}

		const idHeader = service === 's3' ? 'x-amz-request-id' : 'x-amzn-requestid';
		const body = reply.body ?? '';
		response.writeHead(reply.status, {
			[idHeader]: requestId,
			'content-length': String(Buffer.byteLength(body)),
			...reply.headers,
		});
		if (reply.stream && incoming.method !== 'HEAD') {
			// A client that hangs up mid-download is not the emulator's error.
			await pipeline(reply.stream, response).catch(() => response.destroy());
			return;
		}

		reply.stream?.destroy();
		if (incoming.complete) {
			response.end(incoming.method === 'HEAD' ? undefined : body);
			return;
		}

		// Answered before its body was read (refused, too large, a fault): the
		// answer goes out whole now, and the response ends (Node then closes the
		// connection) only once the rest of the body is discarded or a moment
		// has passed. Closed at once, the client still sending would meet a
		// reset and might never read the answer.
		if (incoming.method !== 'HEAD' && body.length > 0) response.write(body);
		else response.flushHeaders();
		await discardRest(incoming);
		response.end();
	}

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	}).catch(async error => {
		await store.close();
		throw error;
	});
	const {port, address} = server.address() as AddressInfo;
	listening.port = port;
	listening.addresses = [address, options.host ?? '127.0.0.1'];
	const host = address.includes(':') ? `[${address}]` : address;
	let closing: Promise<void> | undefined;
	return {
		url: `http://${host}:${port}`,
		port,
		store,
		peakInFlight: path => peaks.get(path) ?? 0,
		requests: path => counts.get(path) ?? 0,
		writes: () => ({...runtime.tally}),
		close() {
			closing ??= (async () => {
				const closed = new Promise<void>(resolve => server.close(() => resolve()));
				// The SDK keeps connections alive; without this close() waits for them to time out.
				server.closeAllConnections();
				await closed;
				await athena.close();
				await store.close();
			})();
			return closing;
		},
	};
}

function serviceOf(headers: IncomingMessage['headers'], path: string, method = 'GET'): Service {
	const target = headers['x-amz-target'];
	const text = Array.isArray(target) ? target[0] : target;
	if (text?.startsWith('SageMaker.')) return 'sagemaker';
	if (text?.startsWith('AmazonAthena.')) return 'athena';
	if (text?.startsWith('AWSGlue.')) return 'glue';
	if (text) return 'unknown';
	if (path === '/BatchWriteRecord' || path === '/BatchGetRecord' || path.startsWith('/FeatureGroup/')) return 'runtime';
	// awsQuery (STS and the like): a form POSTed to a service other than S3.
	const form = String(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
	const scope = signedService(headers.authorization);
	if (method === 'POST' && form && scope !== 's3') return 'query';
	return 's3';
}
