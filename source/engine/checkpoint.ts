/**
 * A migration's saved state. Each run owns a directory of its own,
 * $FS_HOME/runs/<pair>/<run id>/ (default ~/.fs): what was asked, the source
 * snapshot, and how far each partition got. Two runs of one pair (say two
 * filtered halves) never share files; a run removes only its own directory.
 * Written atomically (temp file + rename) as batches are acknowledged.
 */
import {createHash, randomBytes} from 'node:crypto';
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {homedir} from 'node:os';
import path from 'node:path';
import {runtimeError, usageError} from '../core/errors.js';
import type {ExistingCount, Mode} from '../core/plan.js';
import type {StoreHandle} from '../stores/open.js';
import type {ExistingRows, OfflineSnapshot} from '../stores/store.js';

export type SourceSnapshot =
	| {kind: 'offline'; snapshot: OfflineSnapshot}
	| {kind: 'online'; idsFile: string; rows: number}
	| {kind: 'failed'; file: string; rows: number};

export interface RunOptions {
	batchSize: number;
	workers: number;
	mode: Mode;
	filter?: string;
	idsFile?: string;
	retryFailed?: string;
	clearTarget: boolean;
	/** false: rows the target held already were copied again (--no-skip-existing). */
	skipExisting?: boolean;
	/** K/N: the run's shard of the identifiers (core/shard.ts). */
	shard?: string;
	/** --max-write-rate as given (core/cost.ts): a resume keeps it unless given another. */
	maxWriteRate?: string;
	/** --offline-copy as given. */
	offlineCopy?: 'api' | 'server';
}

export interface Checkpoint {
	version: 1;
	runId: string;
	createdAt: string;
	updatedAt: string;
	status: 'running' | 'interrupted' | 'failed' | 'done';
	source: {store: StoreHandle; group: string};
	target: {store: StoreHandle; group: string};
	options: RunOptions;
	snapshot?: SourceSnapshot;
	/** Rows of each partition done (written or failed), in snapshot order. */
	positions: number[];
	failedFile: string;
	totals: {written: number; failed: number; deletes: number};
	/** Rows of the source the target held already (migration/existing.ts): skipped unless `skipped` is false. */
	existing?: ExistingCount;
	/**
	 * The offline history copied server-side (docs/server-copy.md): its time
	 * and tag (which name what it writes), whether it started (a resume then
	 * removes what it left before copying again) and its rows once done.
	 */
	offlineCopy?: {at: string; tag: string; started?: boolean; done?: boolean; rows?: number; except?: ExistingRows};
}

/** A run found on disk: its directory and its checkpoint. */
export interface SavedRun {
	dir: string;
	checkpoint: Checkpoint;
}

export const fsHome = (env: NodeJS.ProcessEnv = process.env) => env['FS_HOME'] ?? path.join(env['HOME'] ?? homedir(), '.fs');

/**
 * The directory of one source → target pair, named after where the groups
 * really are (their identities, see Store.groupIdentity): every spelling of
 * the same stores finds the same runs.
 */
export function pairDirFor(source: {identity: string; group: string}, target: {identity: string; group: string}, env = process.env): string {
	const digest = createHash('sha256').update(JSON.stringify([source.identity, target.identity])).digest('hex').slice(0, 10);
	return path.join(fsHome(env), 'runs', `${source.group}__${target.group}__${digest}`);
}

export const newRunId = () => `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '')}-${randomBytes(3).toString('hex')}`;

const checkpointFile = (runDir: string) => path.join(runDir, 'checkpoint.json');

/** What starting over means, for a run whose checkpoint cannot be read. */
const startOver = (runDir: string) => `Remove ${runDir} to forget that run (its target keeps what it wrote), then start the migration again.`;

/**
 * The checkpoint of a run directory, checked: a file that is empty, cut
 * short or edited into something else is named, with how to start over.
 */
export function loadCheckpoint(runDir: string): Checkpoint | undefined {
	const file = checkpointFile(runDir);
	if (!existsSync(file)) return undefined;
	let value: unknown;
	try {
		value = JSON.parse(readFileSync(file, 'utf8'));
	} catch (error) {
		throw runtimeError(`The checkpoint ${file} cannot be read: ${(error as Error).message}.`, startOver(runDir), 'BrokenCheckpoint');
	}

	const problem = checkpointProblem(value);
	if (problem) throw runtimeError(`The checkpoint ${file} is not one fs wrote: ${problem}.`, startOver(runDir), 'BrokenCheckpoint');
	return value as Checkpoint;
}

const count = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function checkpointProblem(value: unknown): string | undefined {
	const checkpoint = value as Partial<Checkpoint> | null;
	if (checkpoint === null || typeof checkpoint !== 'object' || Array.isArray(checkpoint)) return 'not a JSON object';
	if (checkpoint.version !== 1) return `version ${JSON.stringify(checkpoint.version)}, not 1`;
	if (typeof checkpoint.runId !== 'string' || !/^[\w-]+$/.test(checkpoint.runId)) return 'no run id';
	if (!['running', 'interrupted', 'failed', 'done'].includes(checkpoint.status as string)) return `status ${JSON.stringify(checkpoint.status)}`;
	for (const side of ['source', 'target'] as const) {
		const value = checkpoint[side];
		if (!value || typeof value.group !== 'string' || !value.store || typeof value.store !== 'object') return `no ${side}`;
	}

	const options = checkpoint.options;
	if (!options || !count(options.batchSize) || !count(options.workers) || options.workers < 1 || !['history', 'snapshot'].includes(options.mode)) return 'options missing or out of range';
	if (!Array.isArray(checkpoint.positions) || checkpoint.positions.length !== options.workers || !checkpoint.positions.every(count)) {
		return `positions must be ${options.workers} whole numbers of rows done`;
	}

	if (typeof checkpoint.failedFile !== 'string') return 'no failed-records file';
	const totals = checkpoint.totals;
	if (!totals || !count(totals.written) || !count(totals.failed) || !count(totals.deletes)) return 'totals missing or negative';
	return undefined;
}

export function saveCheckpoint(runDir: string, checkpoint: Checkpoint): void {
	mkdirSync(runDir, {recursive: true});
	const file = checkpointFile(runDir);
	checkpoint.updatedAt = new Date().toISOString();
	writeFileSync(`${file}.tmp`, JSON.stringify(checkpoint, undefined, 2));
	renameSync(`${file}.tmp`, file);
}

/**
 * The runs of a pair that did not finish, oldest first. A directory whose
 * checkpoint cannot be read is returned as a problem, not thrown: it must not
 * stop other runs of the pair.
 */
export function unfinishedRuns(pairDir: string): {runs: SavedRun[]; broken: Array<{dir: string; error: Error}>} {
	const runs: SavedRun[] = [];
	const broken: Array<{dir: string; error: Error}> = [];
	if (!existsSync(pairDir)) return {runs, broken};
	for (const entry of readdirSync(pairDir, {withFileTypes: true})) {
		if (!entry.isDirectory()) continue;
		const dir = path.join(pairDir, entry.name);
		try {
			const checkpoint = loadCheckpoint(dir);
			if (checkpoint && checkpoint.status !== 'done') runs.push({dir, checkpoint});
		} catch (error) {
			broken.push({dir, error: error as Error});
		}
	}

	runs.sort((a, b) => a.checkpoint.createdAt.localeCompare(b.checkpoint.createdAt));
	return {runs, broken};
}

/**
 * The run a --resume continues: the one given by id, else the only
 * unfinished run of the pair. Several: the user picks (their ids are listed).
 */
export function runToResume(pairDir: string, pair: string, runId: string | undefined, command: string, shard?: string): SavedRun {
	if (runId !== undefined) {
		if (!/^[\w-]+$/.test(runId)) throw usageError(`--run-id ${JSON.stringify(runId)} is not a run id.`, 'Pass an id as printed by fs (e.g. 20261205T120000-a1b2c3).');
		const dir = path.join(pairDir, runId);
		const checkpoint = loadCheckpoint(dir);
		if (!checkpoint || checkpoint.status === 'done') throw usageError(`There is no interrupted run ${runId} of ${pair} to resume.`, `Start one: ${command}`);
		return {dir, checkpoint};
	}

	const {runs: all, broken} = unfinishedRuns(pairDir);
	// A shard resumes its own run: the other shards' runs are theirs.
	const runs = shard === undefined ? all : all.filter(run => run.checkpoint.options.shard === shard);
	if (runs.length === 1) return runs[0]!;
	if (runs.length > 1) {
		throw usageError(
			`${runs.length} interrupted runs of ${pair} exist:\n    ${runs.map(({checkpoint}) => `${checkpoint.runId}  ${describeOptions(checkpoint.options)}`).join('\n    ')}`,
			'Pick one with --run-id ID.',
		);
	}

	if (broken.length > 0) throw broken[0]!.error;
	throw usageError(`There is no interrupted migration of ${pair}${shard ? ` (shard ${shard})` : ''} to resume.`, `Start one: ${command}`);
}

/** A run's options in a few words, to tell runs of one pair apart. */
export function describeOptions(options: RunOptions): string {
	const parts: string[] = [options.mode];
	if (options.filter) parts.push(`filter ${options.filter}`);
	if (options.idsFile) parts.push(`ids ${options.idsFile}`);
	if (options.retryFailed) parts.push(`retry ${options.retryFailed}`);
	if (options.clearTarget) parts.push('clear target');
	if (options.shard) parts.push(`shard ${options.shard}`);
	return parts.join(', ');
}

/** Whether two runs read the same rows: then the newer one replaces the older. */
export const sameRows = (a: RunOptions, b: RunOptions) =>
	a.mode === b.mode && a.filter === b.filter && a.idsFile === b.idsFile && a.retryFailed === b.retryFailed && a.shard === b.shard;

/** A checkpoint that counts more rows done in a partition than its snapshot holds: not one this run could have saved. */
export const checkpointPastEnd = (partition: number, position: number, rows: number) => runtimeError(
	`The checkpoint says ${position} rows of partition ${partition + 1} are done, but the run's snapshot holds ${rows}: it was edited or belongs to another snapshot.`,
	'Nothing was skipped. Start the migration again without --resume (it replaces this run).',
	'BrokenCheckpoint',
);

/** After a finished run: its snapshot and state go, the failed-records file stays. */
export function removeRun(runDir: string): void {
	rmSync(runDir, {recursive: true, force: true});
}
