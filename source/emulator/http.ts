/**
 * The emulator's small HTTP vocabulary: a parsed request, a reply, and the
 * error every handler throws to answer with an AWS error. Each service renders
 * errors its own way (JSON with `x-amzn-errortype`, or S3's XML), so the error
 * only carries status, code and message.
 */
import type {IncomingHttpHeaders} from 'node:http';
import type {Readable} from 'node:stream';
import {isFsError} from '../core/errors.js';

/** The services routed to: `query` is awsQuery (STS), `unknown` any other JSON target. */
export type Service = 'sagemaker' | 'runtime' | 'athena' | 's3' | 'glue' | 'query' | 'unknown';

export interface ApiRequest {
	method: string;
	/** The raw (still percent-encoded) path: S3 keys and ARNs may hold encoded slashes. */
	rawPath: string;
	query: URLSearchParams;
	headers: IncomingHttpHeaders;
	/** The body, read whole; empty when it is streamed. */
	body: Buffer;
	/** The body as it arrives, for the one request that writes it to disk (S3 PutObject), with its cap. */
	stream?: Readable;
	maxBodyBytes?: number;
}

export interface ApiReply {
	status: number;
	headers?: Record<string, string>;
	body?: string | Buffer;
	/** A body streamed (S3 objects); the handler sets content-length. */
	stream?: Readable;
}

export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		/** More members of the error shape (e.g. Athena's AthenaErrorCode, S3's Key). */
		readonly extra: Record<string, string> = {},
	) {
		super(message);
	}
}

export const json = (value: unknown, status = 200, contentType = 'application/json'): ApiReply => ({
	status,
	headers: {'content-type': contentType},
	body: JSON.stringify(value),
});

/** The request body as JSON; an unreadable body is the client's fault, as the services say. */
export function jsonBody<T>(request: ApiRequest): T {
	const text = request.body.toString('utf8');
	if (text.trim() === '') return {} as T;
	try {
		const value = JSON.parse(text) as unknown;
		if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
		return value as T;
	} catch {
		throw new ApiError(400, 'SerializationException', 'The request body is not a JSON object.');
	}
}

/**
 * A store error as the service would name it. The store's FsError codes are
 * AWS's own where one exists (ValidationError, ResourceNotFound, ResourceInUse);
 * `codes` renames them per service (SageMaker says ValidationException).
 */
export function fromStoreError(error: unknown, codes: Record<string, [number, string]>, fallback: [number, string]): ApiError {
	if (error instanceof ApiError) return error;
	if (isFsError(error)) {
		const mapped = codes[error.code] ?? (error.kind === 'usage' ? codes['ValidationError'] : undefined) ?? fallback;
		return new ApiError(mapped[0], mapped[1], error.message);
	}

	return new ApiError(fallback[0], fallback[1], error instanceof Error ? error.message : String(error));
}

/** Check that a member is there and of the right JSON type, as the service's validation does. */
export function requireString(value: unknown, member: string, code = 'ValidationError'): string {
	if (typeof value !== 'string' || value === '') {
		throw new ApiError(400, code, `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must not be null`);
	}

	return value;
}

export function optionalInteger(value: unknown, member: string, min: number, max: number, code = 'ValidationError'): number | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
		throw new ApiError(400, code, `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must have value between ${min} and ${max}`);
	}

	return value;
}

/** Opaque paging tokens: base64url JSON, refused when tampered with. */
export function encodeToken(value: unknown): string {
	return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeToken<T>(token: string | undefined | null, code = 'ValidationError'): T | undefined {
	if (token === undefined || token === null || token === '') return undefined;
	try {
		return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
	} catch {
		throw new ApiError(400, code, 'The NextToken is not valid.');
	}
}

/**
 * An error as the JSON protocols send it. The SDK takes the code from
 * `x-amzn-errortype` (restJson1) or `__type` (awsJson1_1); both are sent, so
 * either protocol finds it. `Message` is the error shapes' member name.
 */
export function jsonError(error: ApiError, contentType: string): ApiReply {
	return {
		status: error.status,
		headers: {'content-type': contentType, 'x-amzn-errortype': error.code},
		body: JSON.stringify({__type: error.code, Message: error.message, ...error.extra}),
	};
}

/** A percent-encoded path segment; a malformed one is the client's error, not a crash. */
export function decodeSegment(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		throw new ApiError(400, 'InvalidURI', `Could not parse the specified URI: ${text}`);
	}
}
