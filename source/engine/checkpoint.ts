/**
 * A migration's saved state, in $FS_HOME/runs/<pair>/ (default ~/.fs): what
 * was asked, the source snapshot, and how far each partition got. Written
 * atomically (temp file + rename) after every acknowledged batch.
 */
import {createHash, randomBytes} from 'node:crypto';
import {existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {homedir} from 'node:os';
import path from 'node:path';
import type {Mode} from '../core/plan.js';
import type {StoreHandle} from '../stores/open.js';
import type {OfflineSnapshot} from '../stores/store.js';

export type SourceSnapshot =
	| {kind: 'offline'; snapshot: OfflineSnapshot}
	| {kind: 'online'; idsFile: string; rows: number}
	| {kind: 'failed'; file: string; rows: number};

export interface Checkpoint {
	version: 1;
	runId: string;
	createdAt: string;
	updatedAt: string;
	status: 'running' | 'interrupted' | 'failed' | 'done';
	source: {store: StoreHandle; group: string};
	target: {store: StoreHandle; group: string};
	options: {batchSize: number; workers: number; mode: Mode; filter?: string; idsFile?: string; retryFailed?: string; clearTarget: boolean};
	snapshot?: SourceSnapshot;
	/** Rows of each partition done (written or failed), in snapshot order. */
	positions: number[];
	failedFile: string;
	totals: {written: number; failed: number; deletes: number};
}

export const fsHome = (env: NodeJS.ProcessEnv = process.env) => env['FS_HOME'] ?? path.join(env['HOME'] ?? homedir(), '.fs');

/** One directory per source → target pair (stores included). */
export function runDirFor(source: {store: StoreHandle; group: string}, target: {store: StoreHandle; group: string}, env = process.env): string {
	const digest = createHash('sha256').update(JSON.stringify([source, target])).digest('hex').slice(0, 10);
	return path.join(fsHome(env), 'runs', `${source.group}__${target.group}__${digest}`);
}

export const newRunId = () => `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '')}-${randomBytes(3).toString('hex')}`;

export function loadCheckpoint(runDir: string): Checkpoint | undefined {
	const file = path.join(runDir, 'checkpoint.json');
	if (!existsSync(file)) return undefined;
	return JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
}

export function saveCheckpoint(runDir: string, checkpoint: Checkpoint): void {
	mkdirSync(runDir, {recursive: true});
	const file = path.join(runDir, 'checkpoint.json');
	checkpoint.updatedAt = new Date().toISOString();
	writeFileSync(`${file}.tmp`, JSON.stringify(checkpoint, undefined, 2));
	renameSync(`${file}.tmp`, file);
}

/** After a finished run: the snapshot and state go, the failed-records file stays. */
export function removeRun(runDir: string): void {
	rmSync(runDir, {recursive: true, force: true});
}
