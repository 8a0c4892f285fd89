/** Messages between the migration's main thread and its workers. */
import {FsError, type ErrorKind} from '../core/errors.js';
import type {FsRecord} from '../core/types.js';
import type {OfflineSnapshot} from '../stores/store.js';

export interface WireRow {
	record: FsRecord;
	/** A delete marker of the offline store (replayed as a SoftDelete). */
	deleted: boolean;
	/** Approximate size, for the bytes counter. */
	bytes: number;
	/**
	 * Not its identifier's winner in an unordered snapshot: history, written
	 * to the offline store only (the winner alone goes online).
	 */
	history?: boolean;
	/** Its identifier's history was copied server-side: it goes to the online store only (docs/server-copy.md). */
	copied?: boolean;
}

/** Of a batch's counts, those of its rows whose history was copied server-side (WireRow.copied): online writes, apart from the rows' totals. */
export interface CopiedTally {
	rows: number;
	written: number;
	failed: number;
	deletes: number;
}

export type ToWorker =
	| {type: 'batch'; batch: number; start: number; rows: WireRow[]}
	/** Read this worker's own partition of an offline snapshot, from row `start` of it. */
	| {type: 'read'; snapshot: OfflineSnapshot; start: number; batchSize: number}
	/** Stop reading after the batch in flight (handled at once, not queued). */
	| {type: 'interrupt'}
	| {type: 'stop'; interrupted: boolean};

export type ToMain =
	| {type: 'ready'; worker: number}
	| {type: 'done'; worker: number; batch: number; rows: number; written: number; failed: number; deletes: number; position: number; copied?: CopiedTally}
	/**
	 * A worker's own read ended: rows it skipped (done before), its sample for
	 * verification, and whether every row of its partition is written (a stop
	 * asked for after the last batch changes nothing).
	 */
	| {type: 'finished'; worker: number; skipped: number; skippedCopied?: number; samples: Array<[string, FsRecord | null]>; complete: boolean}
	/** A worker's error, whole: the main thread rebuilds the same typed error (kind, remedy, code). */
	| {type: 'fatal'; worker: number; message: string; code?: string; kind?: ErrorKind; remedy?: string; path?: string}
	| {type: 'closed'; worker: number};

/** A line of the failed-records file (JSON lines). */
export interface FailedLine {
	recordIdentifier?: string;
	eventTime?: string;
	/** The source record, as read: `--retry-failed` sends it again (edit it first if it needs fixing). */
	record: FsRecord;
	deleted?: boolean;
	errorCode: string;
	errorMessage: string;
	/** The run that wrote the line, and the row's partition and position in its snapshot. */
	run?: string;
	partition?: number;
	position?: number;
}

/** An error as a worker posts it. */
export function fatalMessage(worker: number, error: unknown): Extract<ToMain, {type: 'fatal'}> {
	const {message, code, kind, remedy, path} = error as {message?: string; code?: string; kind?: ErrorKind; remedy?: string; path?: string};
	return {
		type: 'fatal', worker, message: message ?? String(error), ...(typeof code === 'string' ? {code} : {}), ...(typeof path === 'string' ? {path} : {}),
		...(error instanceof FsError ? {kind, ...(remedy ? {remedy} : {})} : {}),
	};
}
