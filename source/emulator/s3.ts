/**
 * S3, path-style (`/bucket/key`), REST-XML: GetObject (with Range),
 * HeadObject, PutObject, CopyObject, multipart uploads, DeleteObject,
 * DeleteObjects, ListObjectsV2, CreateBucket, HeadBucket, ListBuckets. A
 * bucket is a directory: made by CreateBucket, by a feature group whose
 * offline store is in it, or by a first object put into it (S3 would refuse
 * that one; the offline store and Athena write without asking). HeadBucket and
 * listings of a bucket never made are NoSuchBucket. ETags are the MD5 of the
 * object, as S3's (multipart: of the parts' MD5s).
 */
import {createHash, randomBytes} from 'node:crypto';
import {appendFileSync, copyFileSync, createReadStream, createWriteStream, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, type Stats} from 'node:fs';
import type {IncomingHttpHeaders} from 'node:http';
import path from 'node:path';
import {Readable} from 'node:stream';
import type {LocalStore} from '../stores/local/index.js';
import {tooLarge} from './gate.js';
import {ApiError, type ApiReply, type ApiRequest, decodeSegment, decodeToken, encodeToken} from './http.js';
import {AwsChunkedDecoder, bucketDir, etagOf, listKeys, objectPath, pruneEmptyDirs, setEtag, xmlDocument, xmlElements, xmlEscape, xmlUnescape} from './s3-objects.js';

const xml = (status: number, root: string, inner: string): ApiReply => ({status, headers: {'content-type': 'application/xml'}, body: xmlDocument(root, inner)});
const element = (tag: string, value: string | number | boolean) => `<${tag}>${xmlEscape(String(value))}</${tag}>`;
const noSuchKey = (key: string) => new ApiError(404, 'NoSuchKey', 'The specified key does not exist.', {Key: key});

export class S3 {
	/** Whether the request's body is an object's (PutObject), written to disk as it arrives rather than read first. */
	static streamsBody(method: string, rawPath: string, headers: IncomingHttpHeaders): boolean {
		const [, bucket = '', ...keyParts] = rawPath.split('/');
		return method === 'PUT' && headers['x-amz-copy-source'] === undefined && bucket !== '' && keyParts.join('/') !== '';
	}

	private readonly multipart: Multipart;

	constructor(private readonly store: LocalStore) {
		this.multipart = new Multipart(store.dir);
	}

	async handle(request: ApiRequest): Promise<ApiReply> {
		const [, bucketPart = '', ...keyParts] = request.rawPath.split('/');
		const bucket = decodeSegment(bucketPart);
		const key = decodeSegment(keyParts.join('/'));
		const {method, query} = request;
		// Offline rows the store still stages are landed first: whoever looks at S3 sees them.
		// A group whose rows cannot land shows what has (as S3 does while the
		// service is late); Athena queries of its table say why.
		if (method === 'GET' || method === 'HEAD') await this.store.flushAll();
		if (bucket === '') {
			if (method === 'GET') return this.listBuckets();
		} else if (keyParts.length === 0 || key === '') {
			if (method === 'GET' && query.get('list-type') === '2') return this.list(bucket, query);
			if (method === 'POST' && query.has('delete')) return this.deleteObjects(bucket, request.body.toString('utf8'));
			if (method === 'PUT') {
				mkdirSync(bucketDir(this.store.dir, bucket), {recursive: true});
				return {status: 200, headers: {location: `/${bucket}`}};
			}

			if (method === 'HEAD') {
				this.existing(bucket);
				return {status: 200, headers: {'x-amz-bucket-region': this.store.meta.region}};
			}
		} else {
			const upload = query.get('uploadId');
			if (method === 'POST' && query.has('uploads')) return this.multipart.create(bucket, key);
			if (method === 'PUT' && upload !== null) return await this.multipart.part(upload, bucket, key, query.get('partNumber'), request);
			if (method === 'POST' && upload !== null) return this.multipart.complete(upload, bucket, key, request.body.toString('utf8'));
			if (method === 'DELETE' && upload !== null) return this.multipart.abort(upload, bucket, key);
			if (method === 'GET') return this.get(bucket, key, request.headers.range);
			if (method === 'HEAD') return this.head(bucket, key);
			if (method === 'PUT' && request.headers['x-amz-copy-source'] !== undefined) return this.copy(bucket, key, String(request.headers['x-amz-copy-source']));
			if (method === 'PUT') return await this.put(bucket, key, request);
			if (method === 'DELETE') return this.delete(bucket, key);
		}

		throw new ApiError(501, 'NotImplemented', `The fs emulator does not implement ${method} ${request.rawPath}${query.size > 0 ? `?${query.toString()}` : ''}.`);
	}

	renderError(error: ApiError, requestId: string): ApiReply {
		const extra = Object.entries(error.extra).map(([tag, value]) => element(tag, value)).join('');
		return {
			status: error.status,
			headers: {'content-type': 'application/xml'},
			// S3's error document has no namespace.
			body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${element('Code', error.code)}${element('Message', error.message)}${extra}${element('RequestId', requestId)}</Error>`,
		};
	}

	private stat(bucket: string, key: string) {
		this.existing(bucket);
		const file = objectPath(this.store.dir, bucket, key);
		const stats = statSync(file, {throwIfNoEntry: false});
		if (!stats?.isFile()) throw noSuchKey(key);
		return {file, stats};
	}

	private objectHeaders(file: string, key: string, stats: Stats): Record<string, string> {
		return {
			'content-type': contentTypeOf(key),
			etag: etagOf(file, stats),
			'last-modified': stats.mtime.toUTCString(),
			'accept-ranges': 'bytes',
			'content-length': String(stats.size),
		};
	}

	private head(bucket: string, key: string): ApiReply {
		const {file, stats} = this.stat(bucket, key);
		return {status: 200, headers: this.objectHeaders(file, key, stats)};
	}

	private get(bucket: string, key: string, range: string | undefined): ApiReply {
		const {file, stats} = this.stat(bucket, key);
		const headers = this.objectHeaders(file, key, stats);
		const span = range === undefined ? undefined : parseRange(range, stats.size);
		if (!span) return {status: 200, headers, stream: createReadStream(file)};
		const [start, end] = span;
		return {
			status: 206,
			headers: {...headers, 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${stats.size}`},
			stream: createReadStream(file, {start, end}),
		};
	}

	private async put(bucket: string, key: string, request: ApiRequest): Promise<ApiReply> {
		const file = objectPath(this.store.dir, bucket, key);
		const encoding = String(request.headers['content-encoding'] ?? '');
		const chunked = encoding.includes('aws-chunked') || String(request.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
		const temporary = path.join(this.store.dir, 'tmp', `s3-put-${randomBytes(6).toString('hex')}`);
		try {
			mkdirSync(path.dirname(file), {recursive: true});
			await receive(request.stream ?? Readable.from([request.body]), temporary, request.maxBodyBytes ?? Number.POSITIVE_INFINITY, chunked);
			// Readers see the old object or the new one, never half of one.
			renameSync(temporary, file);
		} catch (error) {
			rmSync(temporary, {force: true});
			if (error instanceof ApiError) throw error;
			throw new ApiError(400, 'InvalidArgument', `Cannot store ${key}: ${(error as Error).message}`, {Key: key});
		}

		return {status: 200, headers: {etag: etagOf(file, statSync(file))}};
	}

	/** CopyObject: `x-amz-copy-source` is /bucket/key (URL-encoded; a ?versionId is ignored: no versions here). */
	private copy(bucket: string, key: string, source: string): ApiReply {
		const [sourcePath = ''] = source.split('?');
		const [sourceBucket = '', ...sourceKey] = decodeSegment(sourcePath.replace(/^\//, '')).split('/');
		const from = this.stat(sourceBucket, sourceKey.join('/'));
		const file = objectPath(this.store.dir, bucket, key);
		const temporary = path.join(this.store.dir, 'tmp', `s3-copy-${randomBytes(6).toString('hex')}`);
		mkdirSync(path.dirname(file), {recursive: true});
		copyFileSync(from.file, temporary);
		renameSync(temporary, file);
		const stats = statSync(file);
		return xml(200, 'CopyObjectResult', `${element('LastModified', stats.mtime.toISOString())}${element('ETag', etagOf(file, stats))}`);
	}

	private delete(bucket: string, key: string): ApiReply {
		const file = objectPath(this.store.dir, bucket, key);
		if (statSync(file, {throwIfNoEntry: false})?.isFile()) {
			rmSync(file, {force: true});
			pruneEmptyDirs(bucketDir(this.store.dir, bucket), file);
		}

		return {status: 204};
	}

	private deleteObjects(bucket: string, body: string): ApiReply {
		const objects = xmlElements(body, 'Object');
		if (objects.length === 0 || objects.length > 1000) throw new ApiError(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema (1 to 1000 objects).');
		const quiet = xmlElements(body, 'Quiet')[0]?.trim() === 'true';
		let inner = '';
		for (const object of objects) {
			const key = xmlUnescape(xmlElements(object, 'Key')[0] ?? '');
			try {
				this.delete(bucket, key);
				// Deleting a key that is not there succeeds, as in S3.
				if (!quiet) inner += `<Deleted>${element('Key', key)}</Deleted>`;
			} catch (error) {
				const apiError = error instanceof ApiError ? error : new ApiError(500, 'InternalError', String(error));
				inner += `<Error>${element('Key', key)}${element('Code', apiError.code)}${element('Message', apiError.message)}</Error>`;
			}
		}

		return xml(200, 'DeleteResult', inner);
	}

	/** A bucket's directory; NoSuchBucket when it was never created (CreateBucket, a feature group's S3Uri, a first object). */
	private existing(bucket: string): string {
		const root = bucketDir(this.store.dir, bucket);
		if (!statSync(root, {throwIfNoEntry: false})?.isDirectory()) throw new ApiError(404, 'NoSuchBucket', 'The specified bucket does not exist', {BucketName: bucket});
		return root;
	}

	private list(bucket: string, query: URLSearchParams): ApiReply {
		this.existing(bucket);
		const prefix = query.get('prefix') ?? '';
		const delimiter = query.get('delimiter') ?? '';
		const maxKeys = Math.min(Math.max(Number(query.get('max-keys') ?? 1000), 0), 1000);
		if (!Number.isInteger(maxKeys)) throw new ApiError(400, 'InvalidArgument', 'max-keys must be a whole number.');
		const continuation = query.get('continuation-token') ?? undefined;
		// The token names the last key or common prefix returned (p: it was a prefix).
		const token = decodeToken<{after: string; p?: boolean}>(continuation, 'InvalidArgument');
		const startAfter = query.get('start-after') ?? '';
		const after = Buffer.from(token?.after ?? startAfter);
		const root = bucketDir(this.store.dir, bucket);
		const contents: string[] = [];
		const prefixes: string[] = [];
		let last = {after: '', p: false};
		let truncated = false;
		for (const key of listKeys(root, prefix)) {
			if (Buffer.compare(Buffer.from(key), after) <= 0) continue;
			// Keys rolled up into a common prefix returned on an earlier page stay skipped.
			if (token?.p && key.startsWith(token.after)) continue;
			const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
			const common = cut < 0 ? undefined : key.slice(0, cut + delimiter.length);
			if (common !== undefined && prefixes.at(-1) === common) continue;
			if (contents.length + prefixes.length >= maxKeys) {
				truncated = true;
				break;
			}

			if (common === undefined) contents.push(key);
			else prefixes.push(common);
			last = {after: common ?? key, p: common !== undefined};
		}

		const encode = query.get('encoding-type') === 'url' ? (text: string) => encodeURIComponent(text).replaceAll('%2F', '/') : (text: string) => text;
		const entries = contents.map(key => {
			const stats = statSync(path.join(root, ...key.split('/')), {throwIfNoEntry: false});
			// Deleted since the listing was read: gone, as in S3.
			if (!stats) return '';
			return `<Contents>${element('Key', encode(key))}${element('LastModified', stats.mtime.toISOString())}${element('ETag', etagOf(path.join(root, ...key.split('/')), stats))}${element('Size', stats.size)}${element('StorageClass', 'STANDARD')}</Contents>`;
		});
		return xml(200, 'ListBucketResult', [
			element('Name', bucket),
			element('Prefix', encode(prefix)),
			element('KeyCount', contents.length + prefixes.length),
			element('MaxKeys', maxKeys),
			delimiter ? element('Delimiter', encode(delimiter)) : '',
			element('IsTruncated', truncated),
			continuation ? element('ContinuationToken', continuation) : '',
			truncated ? element('NextContinuationToken', encodeToken(last)) : '',
			startAfter ? element('StartAfter', encode(startAfter)) : '',
			query.get('encoding-type') === 'url' ? element('EncodingType', 'url') : '',
			...entries,
			...prefixes.map(common => `<CommonPrefixes>${element('Prefix', encode(common))}</CommonPrefixes>`),
		].join(''));
	}

	private listBuckets(): ApiReply {
		const root = path.join(this.store.dir, 's3');
		const buckets = readdirSync(root, {withFileTypes: true}).filter(item => item.isDirectory()).map(item => item.name).sort();
		const inner = buckets.map(name => `<Bucket>${element('Name', name)}${element('CreationDate', statSync(path.join(root, name)).birthtime.toISOString())}</Bucket>`).join('');
		return xml(200, 'ListAllMyBucketsResult', `<Buckets>${inner}</Buckets><Owner>${element('ID', this.store.meta.account)}</Owner>`);
	}
}

/**
 * A body written to `file` as it arrives (decoded when aws-chunked), at most
 * `limit` bytes: past it, reading stops and S3's EntityTooLarge is thrown.
 * Settles once the file is closed, so that it can be moved or removed.
 */
async function receive(source: Readable, file: string, limit: number, chunked: boolean): Promise<void> {
	const out = createWriteStream(file);
	const closed = new Promise<void>(resolve => out.once('close', resolve));
	const decoder = chunked ? new AwsChunkedDecoder() : undefined;
	let size = 0;
	let failure: {error: unknown} | undefined;
	await new Promise<void>(resolve => {
		let stopped = false;
		const stop = (error?: unknown) => {
			if (stopped) return;
			stopped = true;
			source.off('data', onData);
			source.off('end', onEnd);
			source.off('error', stop);
			source.off('close', onClose);
			if (error === undefined) {
				out.end();
			} else {
				failure = {error};
				// Paused, not destroyed: the answer still goes out on this connection.
				source.pause();
				out.destroy();
			}

			resolve();
		};

		const onData = (chunk: Buffer) => {
			try {
				for (const part of decoder ? decoder.push(chunk) : [chunk]) {
					size += part.length;
					if (size > limit) throw tooLarge('s3', limit);
					if (!out.write(part)) {
						source.pause();
						out.once('drain', () => {
							if (!stopped) source.resume();
						});
					}
				}
			} catch (error) {
				stop(error);
			}
		};

		const onEnd = () => {
			try {
				decoder?.end();
				stop();
			} catch (error) {
				stop(error);
			}
		};

		const onClose = () => stop(new Error('the request ended before its body did'));
		out.on('error', error => {
			if (stopped) failure ??= {error};
			else stop(error);
		});
		source.on('data', onData);
		source.on('end', onEnd);
		source.on('error', stop);
		source.on('close', onClose);
	});
	await closed;
	if (failure) throw failure.error;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`; a form S3 ignores (several ranges) serves the whole object. */
function parseRange(header: string, size: number): [number, number] | undefined {
	const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
	if (!match || (match[1] === '' && match[2] === '')) return undefined;
	let start: number;
	let end: number;
	if (match[1] === '') {
		start = Math.max(0, size - Number(match[2]));
		end = size - 1;
	} else {
		start = Number(match[1]);
		end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
	}

	if (start >= size || start > end || (match[1] === '' && Number(match[2]) === 0)) {
		throw new ApiError(416, 'InvalidRange', 'The requested range is not satisfiable', {RangeRequested: header, ActualObjectSize: String(size)});
	}

	return [start, end];
}

function contentTypeOf(key: string): string {
	if (key.endsWith('.csv')) return 'text/csv';
	if (key.endsWith('.json')) return 'application/json';
	return 'application/octet-stream';
}

/** Parts of at least this size, but the last (S3's minimum). */
const minPartBytes = 5 * 1024 * 1024;

/**
 * Multipart uploads (the AWS CLI's above 8 MiB): parts are files in
 * DIR/tmp/s3-multipart/UPLOAD/, joined into the object on completion, which
 * gets S3's multipart ETag (the MD5 of the parts' MD5s, "-N").
 */
class Multipart {
	constructor(private readonly dir: string) {}

	private uploadDir(upload: string, bucket: string, key: string): string {
		const dir = path.join(this.dir, 'tmp', 's3-multipart', /^[\w-]+$/.test(upload) ? upload : '-');
		const meta = statSync(path.join(dir, 'upload.json'), {throwIfNoEntry: false}) ? JSON.parse(readFileSync(path.join(dir, 'upload.json'), 'utf8')) as {bucket: string; key: string} : undefined;
		if (!meta || meta.bucket !== bucket || meta.key !== key) {
			throw new ApiError(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', {UploadId: upload});
		}

		return dir;
	}

	create(bucket: string, key: string): ApiReply {
		objectPath(this.dir, bucket, key);
		const upload = randomBytes(16).toString('hex');
		const dir = path.join(this.dir, 'tmp', 's3-multipart', upload);
		mkdirSync(dir, {recursive: true});
		writeFileSync(path.join(dir, 'upload.json'), JSON.stringify({bucket, key}));
		return xml(200, 'InitiateMultipartUploadResult', `${element('Bucket', bucket)}${element('Key', key)}${element('UploadId', upload)}`);
	}

	async part(upload: string, bucket: string, key: string, number: string | null, request: ApiRequest): Promise<ApiReply> {
		const dir = this.uploadDir(upload, bucket, key);
		const partNumber = Number(number);
		if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) throw new ApiError(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', {ArgumentName: 'partNumber'});
		const file = path.join(dir, `part-${partNumber}`);
		const encoding = String(request.headers['content-encoding'] ?? '');
		const chunked = encoding.includes('aws-chunked') || String(request.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
		const temporary = `${file}.${randomBytes(4).toString('hex')}`;
		try {
			await receive(request.stream ?? Readable.from([request.body]), temporary, request.maxBodyBytes ?? Number.POSITIVE_INFINITY, chunked);
			renameSync(temporary, file);
		} catch (error) {
			rmSync(temporary, {force: true});
			throw error;
		}

		return {status: 200, headers: {etag: etagOf(file, statSync(file))}};
	}

	complete(upload: string, bucket: string, key: string, body: string): ApiReply {
		const dir = this.uploadDir(upload, bucket, key);
		const parts = xmlElements(body, 'Part').map(part => ({number: Number(xmlElements(part, 'PartNumber')[0]), etag: xmlUnescape(xmlElements(part, 'ETag')[0] ?? '').replaceAll('"', '')}));
		if (parts.length === 0) throw new ApiError(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
		if (parts.some((part, index) => index > 0 && part.number <= parts[index - 1]!.number)) {
			throw new ApiError(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.', {UploadId: upload});
		}

		const digests: Buffer[] = [];
		for (const [index, part] of parts.entries()) {
			const file = path.join(dir, `part-${part.number}`);
			const stats = statSync(file, {throwIfNoEntry: false});
			const etag = stats && etagOf(file, stats).replaceAll('"', '');
			if (!stats || etag !== part.etag) throw new ApiError(400, 'InvalidPart', 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.', {UploadId: upload, PartNumber: String(part.number)});
			if (index < parts.length - 1 && stats.size < minPartBytes) throw new ApiError(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', {ProposedSize: String(stats.size), MinSizeAllowed: String(minPartBytes), PartNumber: String(part.number)});
			digests.push(Buffer.from(etag, 'hex'));
		}

		const target = objectPath(this.dir, bucket, key);
		const joined = path.join(dir, 'object');
		writeFileSync(joined, '');
		for (const part of parts) appendFileSync(joined, readFileSync(path.join(dir, `part-${part.number}`)));
		mkdirSync(path.dirname(target), {recursive: true});
		renameSync(joined, target);
		rmSync(dir, {recursive: true, force: true});
		const etag = `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${parts.length}"`;
		setEtag(target, statSync(target), etag);
		return xml(200, 'CompleteMultipartUploadResult', `${element('Location', `/${bucket}/${key}`)}${element('Bucket', bucket)}${element('Key', key)}${element('ETag', etag)}`);
	}

	abort(upload: string, bucket: string, key: string): ApiReply {
		rmSync(this.uploadDir(upload, bucket, key), {recursive: true, force: true});
		return {status: 204};
	}
}
