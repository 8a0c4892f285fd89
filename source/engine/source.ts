/**
 * Reading the source of a migration. The rows are first fixed once (a
 * snapshot: the offline query's result saved as Parquet, or the list of online
 * identifiers) so that a resumed run reads exactly the same rows in the same
 * order; then they are streamed from the snapshot in batches.
 */
import {appendFileSync, copyFileSync, createReadStream, mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {usageError} from '../core/errors.js';
import {copiedColumn} from '../core/names.js';
import {inShard, type Shard} from '../core/shard.js';
import type {Mode} from '../core/plan.js';
import type {FeatureGroup, FeatureType, FsRecord} from '../core/types.js';
import {featureOf} from '../core/types.js';
import type {ExistingRows, OfflineBatch, OfflineSnapshot, Store} from '../stores/store.js';
import type {SourceSnapshot} from './checkpoint.js';
import type {FailedLine, WireRow} from './protocol.js';
import {backoffMs, defaultRetry, isRetryableCode, retryCall} from './write.js';

export interface SnapshotRequest {
	mode: Mode | 'winners';
	primary: 'offline' | 'online';
	where?: string;
	/** Identifiers to migrate (--ids-file), read already. */
	ids?: string[];
	retryFailed?: string;
	/** Workers that will read an offline snapshot: its parts (OfflineSnapshot.parts). */
	parts?: number;
	/** Bulk loads will write it: the offline snapshot's parts may be unordered (OfflineQuery.unordered). */
	unordered?: boolean;
	/** An online-only source's identifiers, listed for the plan's count (JSON lines): the snapshot takes them. */
	listed?: {file: string; rows: number};
	/** Rows the target holds already, left out of an offline snapshot (OfflineQuery.except). */
	except?: ExistingRows;
	/** Winners: identifiers not copied server-side come whole (OfflineQuery.residual). */
	residual?: string;
	/** The run's shard: an online-only source's identifiers are those in it (an offline source's `where` says so already). */
	shard?: Shard;
}

const idsPerQuery = 5000;

const quoteLiteral = (text: string) => `'${text.replaceAll('\'', '\'\'')}'`;
const quoteName = (text: string) => `"${text.replaceAll('"', '""')}"`;

/** Chunks of --ids-file identifiers as WHERE conditions (IN lists of bounded length). */
export function idConditions(group: FeatureGroup, ids: string[], where?: string): string[] {
	const conditions: string[] = [];
	for (let start = 0; start < ids.length; start += idsPerQuery) {
		const list = ids.slice(start, start + idsPerQuery).map(quoteLiteral).join(', ');
		conditions.push(`${quoteName(group.RecordIdentifierFeatureName)} IN (${list})${where ? ` AND (${where})` : ''}`);
	}

	return conditions;
}

/** A group's online identifiers (of a shard) written to `file` as JSON lines (the list a snapshot or a clear reads); returns how many. */
export async function listIdentifiersTo(store: Store, name: string, file: string, {includeSoftDeleted = false, shard}: {includeSoftDeleted?: boolean; shard?: Shard} = {}): Promise<number> {
	writeFileSync(file, '');
	let rows = 0;
	for await (const listed of store.listRecordIdentifiers(name, {includeSoftDeleted})) {
		const page = shard ? listed.filter(id => inShard(id, shard)) : listed;
		appendFileSync(file, page.map(id => `${JSON.stringify(id)}\n`).join(''));
		rows += page.length;
	}

	return rows;
}

export async function takeSnapshot(store: Store, group: FeatureGroup, request: SnapshotRequest, dir: string): Promise<SourceSnapshot> {
	mkdirSync(dir, {recursive: true});
	if (request.retryFailed) return {kind: 'failed', file: request.retryFailed, rows: await countFailedLines(request.retryFailed, group)};
	const name = group.FeatureGroupName;
	if (request.primary === 'online') {
		const file = path.join(dir, 'ids.txt');
		writeFileSync(file, '');
		let rows = 0;
		if (request.ids) {
			appendFileSync(file, request.ids.map(id => `${JSON.stringify(id)}\n`).join(''));
			rows = request.ids.length;
		} else if (request.listed) {
			copyFileSync(request.listed.file, file);
			rows = request.listed.rows;
		} else {
			rows = await listIdentifiersTo(store, name, file, {shard: request.shard});
		}

		return {kind: 'online', idsFile: file, rows};
	}

	const query = {mode: request.mode, includeMetadata: true, parts: request.parts, unordered: request.unordered, ...(request.except ? {except: request.except} : {}), ...(request.residual ? {residual: request.residual} : {})};
	if (!request.ids) return {kind: 'offline', snapshot: await store.snapshotOffline(name, {...query, where: request.where}, path.join(dir, 'source'))};
	// A chosen set of identifiers: IN lists of bounded length, one part each.
	const parts: OfflineSnapshot[] = [];
	for (const where of idConditions(group, request.ids, request.where)) {
		parts.push(await store.snapshotOffline(name, {...query, where}, path.join(dir, `source-${parts.length}`)));
	}

	// Part i of each file goes to worker i: the identifiers of the IN lists are disjoint.
	const of = request.parts;
	const ranges = of && parts.every(part => part.parts && part.parts.length % of === 0) ? parts.flatMap(part => part.parts!) : undefined;
	return {kind: 'offline', snapshot: {
		kind: 'parquet', files: parts.flatMap(part => part.files), names: parts[0]?.names ?? [], rows: parts.reduce((sum, part) => sum + part.rows, 0),
		...(ranges ? {parts: ranges} : {}),
	}};
}

/**
 * The rows of an identifier list or a failed-records file, in order, for the
 * main thread to hand out (offline snapshots are read by the workers).
 */
export async function * readSnapshotRows(store: Store, group: FeatureGroup, snapshot: Exclude<SourceSnapshot, {kind: 'offline'}>): AsyncGenerator<WireRow[]> {
	if (snapshot.kind === 'failed') {
		let rows: WireRow[] = [];
		for await (const line of failedLines(snapshot.file, group)) {
			rows.push({record: line.record, deleted: line.deleted === true, bytes: JSON.stringify(line.record).length});
			if (rows.length >= 1000) {
				yield rows;
				rows = [];
			}
		}

		if (rows.length > 0) yield rows;
		return;
	}

	// A few calls ahead, handed out in the list's order: memory stays bounded.
	const ahead: Array<Promise<WireRow[]>> = [];
	const fetch = (ids: string[]) => {
		const rows = getRecords(store, group, ids);
		rows.catch(() => undefined); // Awaited in turn below; a failure is not unhandled meanwhile.
		ahead.push(rows);
	};

	let ids: string[] = [];
	const limit = store.limits.batchGet;
	for await (const line of createInterface({input: createReadStream(snapshot.idsFile), crlfDelay: Infinity})) {
		if (line === '') continue;
		ids.push(JSON.parse(line) as string);
		if (ids.length === limit) {
			fetch(ids);
			ids = [];
			if (ahead.length >= getsInFlight) yield await ahead.shift()!;
		}
	}

	if (ids.length > 0) fetch(ids);
	while (ahead.length > 0) yield await ahead.shift()!;
}

/** BatchGetRecord calls in flight at once while an identifier list is read. */
const getsInFlight = 4;

/**
 * BatchGetRecord, asking again for unprocessed identifiers, with the write
 * path's backoff on throttling. Rows come in the order of `ids` (the same on
 * a resumed run, whatever order the service answers in); an identifier whose
 * record is gone (deleted or expired since it was listed) yields no row.
 */
async function getRecords(store: Store, group: FeatureGroup, ids: string[]): Promise<WireRow[]> {
	const found = new Map<string, WireRow>();
	let pending = ids;
	for (let attempt = 0; pending.length > 0 && attempt < defaultRetry.attempts; attempt++) {
		const asked = pending;
		const result = await retryCall(async () => store.batchGet(group.FeatureGroupName, asked));
		for (const {RecordIdentifier, Record} of result.records) {
			if (!asked.includes(RecordIdentifier)) throw new Error(`BatchGetRecord returned ${JSON.stringify(RecordIdentifier)} of ${group.FeatureGroupName}, which was not asked for`);
			found.set(RecordIdentifier, {record: Record, deleted: false, bytes: JSON.stringify(Record).length});
		}

		const refused = result.errors.filter(error => !isRetryableCode(error.ErrorCode));
		if (refused.length > 0) {
			const listed = refused.slice(0, 3).map(error => `${error.RecordIdentifier} (${error.ErrorCode}: ${error.ErrorMessage})`).join(', ');
			throw new Error(`BatchGetRecord refused ${refused.length} identifiers of ${group.FeatureGroupName}: ${listed}${refused.length > 3 ? ', …' : ''}`);
		}

		pending = [...result.unprocessed, ...result.errors.map(error => error.RecordIdentifier)];
		if (pending.length > 0) await new Promise(resolve => setTimeout(resolve, backoffMs(attempt)));
	}

	if (pending.length > 0) throw new Error(`BatchGetRecord left ${pending.length} identifiers unprocessed after ${defaultRetry.attempts} attempts`);
	return ids.flatMap(id => found.get(id) ?? []);
}

const metadata = new Set(['write_time', 'api_invocation_time', 'is_deleted']);

export function wireRows(batch: OfflineBatch, group: FeatureGroup): WireRow[] {
	const featureColumns = batch.names.map((name, index) => [name, index] as const).filter(([name]) => !metadata.has(name) && group.FeatureDefinitions.some(feature => feature.FeatureName === name));
	const deletedColumn = batch.names.indexOf('is_deleted');
	const copied = batch.names.indexOf(copiedColumn);
	const rows: WireRow[] = [];
	for (let row = 0; row < batch.length; row++) {
		const record: FsRecord = {};
		let bytes = 0;
		for (const [name, column] of featureColumns) {
			const value = batch.columns[column]![row];
			if (value === null || value === undefined) continue;
			record[name] = value;
			bytes += name.length + (Array.isArray(value) ? value.join('').length : value.length);
		}

		const wire: WireRow = {record, deleted: deletedColumn >= 0 && batch.columns[deletedColumn]![row] === 'true', bytes};
		if (copied >= 0 && batch.columns[copied]![row] === 'true') wire.copied = true;
		rows.push(wire);
	}

	return rows;
}

/**
 * A failed-records file's lines, each record's values as the API's text
 * (recordText), each record once: a line written again for the same row of
 * the same run (a run that died between the line and its checkpoint wrote it
 * twice in older versions, or the file was appended to twice) counts once.
 */
async function * failedLines(file: string, group: FeatureGroup): AsyncGenerator<FailedLine> {
	let number = 0;
	const seen = new Set<string>();
	for await (const text of createInterface({input: createReadStream(file), crlfDelay: Infinity})) {
		number++;
		if (text.trim() === '') continue;
		let line: FailedLine;
		try {
			line = JSON.parse(text) as FailedLine;
		} catch {
			throw usageError(`${file} line ${number} is not JSON.`, 'Pass the failed-records file a migration wrote (one JSON object per line).');
		}

		if (!line.record || typeof line.record !== 'object') {
			throw usageError(`${file} line ${number} has no "record".`, 'Pass the failed-records file a migration wrote.');
		}

		if (typeof line.partition === 'number' && typeof line.position === 'number') {
			const key = JSON.stringify([line.run, line.partition, line.position, line.recordIdentifier, line.eventTime]);
			if (seen.has(key)) continue;
			seen.add(key);
		}

		yield {...line, record: recordText(line.record as Record<string, unknown>, group, `${file} line ${number}`)};
	}
}

/** What each feature type takes, said in the refusal of a value it cannot. */
const typeHint: Record<FeatureType, string> = {
	Integral: 'a whole number, e.g. 42 or "42"',
	Fractional: 'a number, e.g. 0.5 or "0.5"',
	String: 'text in quotes',
};

/**
 * A failed record's values as the API carries them: text. The file is there
 * to be edited, and people write `"age": 42` or `"flag": true`: a number or
 * a boolean is taken where the source feature's type allows it (Integral:
 * whole numbers; Fractional: numbers; String: numbers and booleans, as
 * JavaScript writes them), and refused, naming the line and the feature,
 * where it does not. A JSON number is read as a double: a whole number past
 * 2^53 has lost digits by then, and must be quoted to arrive whole.
 */
function recordText(record: Record<string, unknown>, group: FeatureGroup, where: string): FsRecord {
	const out: FsRecord = {};
	for (const [name, value] of Object.entries(record)) {
		if (typeof value === 'string') {
			out[name] = value;
			continue;
		}

		const feature = featureOf(group, name);
		if (!feature) {
			throw usageError(`${where}: ${name} is not a feature of ${group.FeatureGroupName}.`, `Use the feature names of \`fs schema ${group.FeatureGroupName}\`, or leave ${name} out.`);
		}

		const text = (element: unknown, what: string): string => {
			if (typeof element === 'string') return element;
			const type = feature.FeatureType;
			if (typeof element === 'number' && Number.isInteger(element) && !Number.isSafeInteger(element) && type !== 'Fractional') {
				throw usageError(
					`${where}: ${what} is a JSON number past 2^53 (${Number.MAX_SAFE_INTEGER}), which cannot be read exactly.`,
					`Quote it ("${name}": "…"): as a string every digit arrives.`,
				);
			}

			const taken = typeof element === 'number'
				? type !== 'Integral' || Number.isInteger(element)
				: typeof element === 'boolean' && type === 'String';
			if (!taken) {
				const shown = element === null ? 'null' : Array.isArray(element) ? 'a list' : typeof element === 'object' ? 'an object' : `${typeof element} ${JSON.stringify(element)}`;
				throw usageError(`${where}: ${what} is ${shown}, which ${feature.CollectionType ? 'an element of ' : ''}${name} (${type}) cannot take.`, `Write it as ${typeHint[type]}${element === null ? ', or leave the feature out for no value' : ''}.`);
			}

			return String(element);
		};

		out[name] = Array.isArray(value) ? value.map((element, index) => text(element, `${name}[${index}]`)) : text(value, name);
	}

	return out;
}

export async function countFailedLines(file: string, group: FeatureGroup): Promise<number> {
	let count = 0;
	try {
		for await (const _ of failedLines(file, group)) count++;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw usageError(`Cannot read ${file}.`, 'Pass the path of a failed-records file.');
		throw error;
	}

	return count;
}

/** Identifiers from --ids-file: one per line (blank lines and # comments ignored), duplicates once. */
export async function readIdsFile(file: string): Promise<string[]> {
	const ids = new Set<string>();
	try {
		for await (const line of createInterface({input: createReadStream(file), crlfDelay: Infinity})) {
			const id = line.trim();
			if (id !== '' && !id.startsWith('#')) ids.add(id);
		}
	} catch (error) {
		throw usageError(`Cannot read --ids-file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, 'Pass a file with one record identifier per line.');
	}

	if (ids.size === 0) throw usageError(`--ids-file ${file} lists no record identifiers.`, 'Put one record identifier per line.');
	return [...ids];
}
