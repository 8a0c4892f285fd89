/** Messages between the migration's main thread and its workers. */
import type {FsRecord} from '../core/types.js';

export interface WireRow {
	record: FsRecord;
	/** A delete marker of the offline store (replayed as a SoftDelete). */
	deleted: boolean;
	/** Approximate size, for the bytes counter. */
	bytes: number;
}

export type ToWorker =
	| {type: 'batch'; batch: number; start: number; rows: WireRow[]}
	| {type: 'stop'; interrupted: boolean};

export type ToMain =
	| {type: 'ready'; worker: number}
	| {type: 'done'; worker: number; batch: number; written: number; failed: number; deletes: number; position: number}
	| {type: 'fatal'; worker: number; message: string; code?: string}
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
	partition?: number;
	position?: number;
}
