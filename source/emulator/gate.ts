/**
 * What the emulator refuses before serving a request. It checks no
 * signatures, so anything that can reach its port could use it; a web page
 * open in a browser on this machine can. Browsers mark requests a page sends
 * elsewhere with `Origin`, and a page that has its own name point at
 * 127.0.0.1 (DNS rebinding) sends its own name as `Host`; neither ever comes
 * from the AWS SDK or CLI, which sign every request (`Authorization`, or a
 * presigned URL's `X-Amz-Signature`), something a page cannot add to a
 * request it sends elsewhere without the emulator's consent (it gives none).
 *
 * Bodies are capped at what the services take, refused from Content-Length
 * when it says so and while reading when it does not, never read whole first.
 */
import type {IncomingMessage} from 'node:http';
import {isIP} from 'node:net';
import {ApiError, type Service} from './http.js';

/** Where the emulator listens: its port, and the address it is bound to as given and as bound (127.0.0.1, ::1, 0.0.0.0, a name). */
export interface Listening {
	port: number;
	addresses: string[];
}

/** JSON request bodies (SageMaker, Feature Store Runtime, Athena): 25 records of 350 KB fit, with their JSON. */
export const maxJsonBodyBytes = 10 * 1024 * 1024;

/** S3 objects in one PutObject, as S3 takes them (5 GB); written to disk as they arrive. */
export const maxObjectBytes = 5 * 1024 * 1024 * 1024;

const wildcards = new Set(['0.0.0.0', '::', '']);

/** Why the request is refused (403), if it is. */
export function refusal(service: Service, request: IncomingMessage, query: URLSearchParams, listening: Listening): ApiError | undefined {
	const {headers} = request;
	const denied = (message: string) => new ApiError(403, deniedCode[service], message);
	if (headers.origin !== undefined) {
		return denied(`The fs emulator refuses requests from web pages (Origin: ${headers.origin}); the AWS SDK and CLI send no Origin.`);
	}

	if (!hostAllowed(headers.host, listening)) {
		return denied(`The fs emulator answers to its own address only (Host: ${headers.host ?? 'none'}); use http://127.0.0.1:${listening.port} or http://localhost:${listening.port}.`);
	}

	const method = request.method ?? 'GET';
	const presigned = service === 's3' && method !== 'POST' && query.has('X-Amz-Signature');
	if (!headers.authorization && !presigned) {
		return service === 's3'
			? new ApiError(403, 'AccessDenied', 'Access Denied: the request is not signed (no Authorization header); the fs emulator takes any credentials.')
			: new ApiError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token: the request is not signed (no Authorization header); the fs emulator takes any credentials.');
	}

	return undefined;
}

const deniedCode: Record<Service, string> = {
	s3: 'AccessDenied',
	runtime: 'AccessForbidden',
	sagemaker: 'AccessDeniedException',
	athena: 'AccessDeniedException',
	glue: 'AccessDeniedException',
	query: 'AccessDenied',
	unknown: 'AccessDeniedException',
};

/**
 * The port must be the emulator's, and the name one that no page can have
 * point here: localhost, the loopback addresses, the address it is bound to,
 * or, bound to every interface, any IP address (a page's name is never one).
 */
function hostAllowed(header: string | undefined, listening: Listening): boolean {
	if (!header) return false;
	const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(header.trim());
	if (!match) return false;
	const name = (match[1] ?? match[2]!).toLowerCase();
	const port = match[3] === undefined ? 80 : Number(match[3]);
	if (port !== listening.port) return false;
	const bound = listening.addresses.map(address => address.toLowerCase().replace(/^\[|\]$/g, ''));
	if (name === 'localhost' || name === '127.0.0.1' || name === '::1' || bound.includes(name)) return true;
	return bound.some(address => wildcards.has(address)) && isIP(name) !== 0;
}

/** The error a body over `limit` bytes gets, in each service's words. */
export function tooLarge(service: Service, limit: number, size?: number): ApiError {
	if (service === 's3') {
		return new ApiError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
			...(size === undefined ? {} : {ProposedSize: String(size)}), MaxSizeAllowed: String(limit),
		});
	}

	return new ApiError(413, 'RequestEntityTooLarge', `The request body is larger than the ${limit} bytes the fs emulator takes for this API.`);
}

/** The size a request's headers announce for its body (an aws-chunked body: the decoded size). */
export function declaredSize(request: IncomingMessage): number | undefined {
	const header = request.headers['x-amz-decoded-content-length'] ?? request.headers['content-length'];
	const text = Array.isArray(header) ? header[0] : header;
	if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
	return Number(text);
}

/** The whole body, up to `limit` bytes; past it, reading stops (the rest is never read) and `tooLarge` is thrown. */
export async function readBody(request: IncomingMessage, limit: number, tooLargeError: () => ApiError): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		const done = () => {
			request.off('data', onData);
			request.off('end', onEnd);
			request.off('error', onError);
		};

		const onData = (chunk: Buffer) => {
			size += chunk.length;
			if (size > limit) {
				done();
				// Paused, not destroyed: the answer still goes out on this connection, which then closes.
				request.pause();
				chunks.length = 0;
				reject(tooLargeError());
				return;
			}

			chunks.push(chunk);
		};

		const onEnd = () => {
			done();
			resolve(Buffer.concat(chunks));
		};

		const onError = (error: Error) => {
			done();
			reject(error);
		};

		request.on('data', onData);
		request.on('end', onEnd);
		request.on('error', onError);
	});
}

/**
 * The rest of a body the answer did not need, discarded as it comes (never
 * kept); resolves when it has ended, or after `graceMs` if it has not.
 */
export async function discardRest(request: IncomingMessage, graceMs = 1000): Promise<void> {
	if (request.complete) return;
	await new Promise<void>(resolve => {
		const done = () => {
			clearTimeout(timer);
			request.off('end', done);
			request.off('close', done);
			resolve();
		};

		const timer = setTimeout(done, graceMs);
		request.on('end', done);
		request.on('close', done);
		request.resume();
	});
}
