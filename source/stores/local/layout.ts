/**
 * Where the embedded store keeps things on disk:
 *
 *   DIR/fs-store.json      account and region the store pretends to live in
 *   DIR/store.sqlite       catalog, online store, offline staging
 *   DIR/s3/BUCKET/KEY      the "S3" of the offline store, in SageMaker's layout
 */
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {usageError} from '../../core/errors.js';

export interface StoreMeta {
	format: 1;
	account: string;
	region: string;
}

export const defaultMeta: StoreMeta = {format: 1, account: '000000000000', region: 'us-east-1'};

export function ensureStoreDir(dir: string, region?: string, mustExist = false): StoreMeta {
	const metaFile = path.join(dir, 'fs-store.json');
	if (existsSync(metaFile)) {
		const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as StoreMeta;
		return meta;
	}

	// A typo in --store must not make an empty store that says "no groups".
	if (mustExist) {
		throw usageError(
			existsSync(dir) ? `${dir} is not an fs store (it has no fs-store.json).` : `No store at ${dir}.`,
			`Check the path; \`fs demo --store local:${dir}\` creates a store with demo data there, \`fs create GROUP --store local:${dir} --schema-file FILE\` one with your first group.`,
			'NoSuchStore',
		);
	}

	if (existsSync(dir) && !isEmptyDir(dir)) {
		throw usageError(`${dir} exists and is not an fs local store.`, 'Point --store local:DIR at an empty or new directory.');
	}

	mkdirSync(path.join(dir, 's3'), {recursive: true});
	const meta: StoreMeta = {...defaultMeta, region: region ?? defaultMeta.region};
	writeFileSync(metaFile, `${JSON.stringify(meta, undefined, 2)}\n`);
	return meta;
}

function isEmptyDir(dir: string): boolean {
	try {
		return readdirSync(dir).length === 0;
	} catch {
		return false;
	}
}

/**
 * `s3://bucket/key` → DIR/s3/bucket/key. A "." or ".." segment is refused,
 * not resolved: it would name another bucket's files, or files outside the
 * store (groups made before such URIs were refused may hold one).
 */
export function s3Path(dir: string, uri: string): string {
	const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
	if (!match) throw usageError(`${uri} is not an S3 URI.`, 'Write it as s3://bucket/prefix.');
	const key = match[2]!.replace(/\/+$/, '');
	const segments = [match[1]!, ...key.split('/')];
	const root = path.join(dir, 's3');
	const resolved = path.join(root, ...segments);
	const relative = path.relative(root, resolved);
	if (segments.some(segment => segment === '.' || segment === '..') || relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
		throw usageError(`${uri} does not name a place in the store's S3 (it has a "." or ".." segment).`, 'Use a plain s3://bucket/prefix.');
	}

	return resolved;
}
