/**
 * S3 objects as files: `s3://bucket/key` is DIR/s3/bucket/key, the layout the
 * local store already writes its offline store in. Keys become paths, so a
 * key cannot end in "/" nor hold "." or ".." segments, and "a" and "a/b"
 * cannot both exist — limits of the emulator, said in its docs.
 */
import {createHash} from 'node:crypto';
import {closeSync, openSync, readdirSync, readSync, rmdirSync, type Stats} from 'node:fs';
import path from 'node:path';
import {ApiError} from './http.js';

const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function bucketDir(dir: string, bucket: string): string {
	if (!bucketPattern.test(bucket)) throw new ApiError(400, 'InvalidBucketName', `The specified bucket is not valid: ${bucket}`, {BucketName: bucket});
	return path.join(dir, 's3', bucket);
}

export function objectPath(dir: string, bucket: string, key: string): string {
	const root = bucketDir(dir, bucket);
	const segments = key.split('/');
	if (key === '' || segments.some(segment => segment === '' || segment === '.' || segment === '..')) {
		throw new ApiError(400, 'InvalidArgument', `The fs emulator keeps objects as files and cannot store the key ${JSON.stringify(key)} (empty, ".", ".." segments or a trailing "/").`, {Key: key});
	}

	return path.join(root, ...segments);
}

/** ETags of files already hashed, by identity (path, size, time, inode): each version is read once. */
const etags = new Map<string, string>();
const maxEtags = 100_000;
const identity = (file: string, stats: Stats) => `${file}\0${stats.size}\0${stats.mtimeMs}\0${stats.ino}`;

/**
 * The object's ETag as S3 makes it for a single-part upload: the MD5 of its
 * bytes, quoted. A file is read once per version (kept by identity), so a
 * listing of the offline store hashes only what changed since the last one.
 */
export function etagOf(file: string, stats: Stats): string {
	const key = identity(file, stats);
	let etag = etags.get(key);
	if (!etag) {
		const hash = createHash('md5');
		const buffer = Buffer.allocUnsafe(1024 * 1024);
		const fd = openSync(file, 'r');
		try {
			for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) hash.update(buffer.subarray(0, read));
		} finally {
			closeSync(fd);
		}

		etag = `"${hash.digest('hex')}"`;
		remember(key, etag);
	}

	return etag;
}

/** A file's ETag set as S3 sets it for a multipart upload (MD5 of the parts' MD5s, "-N"). */
export function setEtag(file: string, stats: Stats, etag: string): void {
	remember(identity(file, stats), etag);
}

function remember(key: string, etag: string) {
	if (etags.size >= maxEtags) etags.delete(etags.keys().next().value!);
	etags.set(key, etag);
}

/** Keys under `prefix`, in S3's order (UTF-8 bytes), read from the narrowest directory the prefix names. */
export function listKeys(root: string, prefix: string): string[] {
	const slash = prefix.lastIndexOf('/');
	const base = slash < 0 ? '' : prefix.slice(0, slash);
	if (base.split('/').some(segment => segment === '..' || segment === '.')) return [];
	const keys: string[] = [];
	const walk = (relative: string) => {
		let items;
		try {
			items = readdirSync(path.join(root, relative), {withFileTypes: true});
		} catch {
			return;
		}

		for (const item of items) {
			const key = relative === '' ? item.name : `${relative}/${item.name}`;
			if (item.isDirectory()) {
				// Only directories that can hold keys under the prefix.
				if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) walk(key);
			} else if (item.isFile() && key.startsWith(prefix)) {
				keys.push(key);
			}
		}
	};

	walk(base);
	return keys.map(key => ({key, bytes: Buffer.from(key)})).sort((a, b) => Buffer.compare(a.bytes, b.bytes)).map(item => item.key);
}

/** Remove directories left empty by a delete, up to the bucket. */
export function pruneEmptyDirs(root: string, file: string) {
	let dir = path.dirname(file);
	while (dir.startsWith(root) && dir !== root) {
		try {
			rmdirSync(dir);
		} catch {
			return;
		}

		dir = path.dirname(dir);
	}
}

/**
 * The SDK streams bodies with `Content-Encoding: aws-chunked` (a checksum
 * trailer after the last chunk): `<hex size>[;ext]\r\n<bytes>\r\n` …
 * `0\r\n<trailers>\r\n\r\n`. The payload is the chunks, joined; decoded
 * as the body arrives, whatever its pieces.
 */
export class AwsChunkedDecoder {
	private header = Buffer.alloc(0);
	/** Payload bytes left in the current chunk. */
	private left = 0;
	/** Bytes of the CRLF after a chunk's payload still to skip. */
	private skip = 0;
	private done = false;

	/** The payload in the next piece of the body. */
	push(data: Buffer): Buffer[] {
		const payload: Buffer[] = [];
		let at = 0;
		while (at < data.length && !this.done) {
			if (this.left > 0) {
				const take = Math.min(this.left, data.length - at);
				payload.push(data.subarray(at, at + take));
				at += take;
				this.left -= take;
				if (this.left === 0) this.skip = 2;
			} else if (this.skip > 0) {
				const take = Math.min(this.skip, data.length - at);
				at += take;
				this.skip -= take;
			} else {
				const end = data.indexOf('\n', at);
				if (end < 0) {
					this.header = Buffer.concat([this.header, data.subarray(at)]);
					if (this.header.length > 4096) throw malformed();
					break;
				}

				const line = Buffer.concat([this.header, data.subarray(at, end + 1)]).toString('latin1');
				this.header = Buffer.alloc(0);
				at = end + 1;
				const size = Number.parseInt(line.trimEnd().split(';')[0]!, 16);
				if (!line.endsWith('\r\n') || !Number.isFinite(size)) throw malformed();
				if (size === 0) this.done = true;
				else this.left = size;
			}
		}

		return payload;
	}

	/** At the body's end: it must not end inside a chunk. */
	end() {
		if (!this.done) throw new ApiError(400, 'IncompleteBody', 'The aws-chunked body is shorter than its chunks say.');
	}
}

const malformed = () => new ApiError(400, 'InvalidRequest', 'The aws-chunked body has a malformed chunk header.');

const entities: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&apos;'};

export const xmlEscape = (text: string) => text.replace(/[&<>"']/g, char => entities[char]!);

export function xmlUnescape(text: string): string {
	return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
		if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
		if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
		return {amp: '&', lt: '<', gt: '>', quot: '"', apos: '\''}[entity]!;
	});
}

/** `<Tag>value</Tag>` elements, in order (S3's request bodies are this simple). */
export function xmlElements(xml: string, tag: string): string[] {
	return [...xml.matchAll(new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g'))].map(match => match[1]!);
}

export function xmlDocument(root: string, inner: string): string {
	return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</${root}>`;
}
