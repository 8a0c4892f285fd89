/**
 * Typed errors. Every error the tool raises on purpose is an FsError: it names
 * the problem, carries a remedy, and its kind decides the exit code — in
 * exactly one place, `exitCodeFor`.
 */

export type ErrorKind =
	/** Bad flags, names, files, SQL or values: nothing was written. Exit 2. */
	| 'usage'
	/** Something failed while running (service, disk). Exit 1. */
	| 'runtime'
	/** Finished, but some records failed. Exit 3. */
	| 'partial'
	/** Stopped by the operator (Ctrl-C, SIGTERM, SIGHUP). Exit 130. */
	| 'interrupted';

export class FsError extends Error {
	override readonly name: string = 'FsError';

	constructor(
		readonly kind: ErrorKind,
		message: string,
		/** What the user can do about it, one sentence. */
		readonly remedy?: string,
		/** A machine-readable code (AWS error code where there is one). */
		readonly code: string = kindCode[kind],
	) {
		super(message);
	}
}

const kindCode: Record<ErrorKind, string> = {
	usage: 'ValidationError',
	runtime: 'RuntimeError',
	partial: 'PartialFailure',
	interrupted: 'Interrupted',
};

export const usageError = (message: string, remedy?: string, code?: string) =>
	new FsError('usage', message, remedy, code ?? 'ValidationError');

export const runtimeError = (message: string, remedy?: string, code?: string) =>
	new FsError('runtime', message, remedy, code ?? 'RuntimeError');

export const notFound = (what: string, remedy: string) =>
	new FsError('usage', what, remedy, 'ResourceNotFound');

/** The one mapping from errors to exit codes (readme: exit codes). */
export function exitCodeFor(error: unknown): number {
	if (error instanceof FsError) {
		switch (error.kind) {
			case 'usage':
				return 2;
			case 'partial':
				return 3;
			case 'interrupted':
				return 130;
			case 'runtime':
				return 1;
		}
	}

	return 1;
}

export const isFsError = (error: unknown): error is FsError => error instanceof FsError;

/**
 * An error from a library underneath that the user can act on, as an
 * FsError; undefined for the rest. DuckDB out of its memory limit: DuckDB's
 * own advice (SET memory_limit) is not the user's to follow; FS_DUCKDB_MEMORY is.
 */
export function explainError(error: unknown): FsError | undefined {
	const message = error instanceof Error ? error.message : String(error);
	const first = message.split('\n')[0]!;
	const system = systemError(error, first);
	if (system) return system;
	if (first.includes('Out of Memory Error: ')) {
		// What came before DuckDB's words (a worker, a step) stays; its advice goes.
		const limit = process.env['FS_DUCKDB_MEMORY'];
		return runtimeError(
			`${first.replace('Out of Memory Error: ', 'DuckDB ran out of memory: ').replace(/\.$/, '')}.`,
			`Give each DuckDB more with FS_DUCKDB_MEMORY (${limit ? `now ${limit}` : 'unset: 128MB to 256MB by use'}), e.g. FS_DUCKDB_MEMORY=1GB.`,
			'OutOfMemory',
		);
	}

	return undefined;
}

/** Where the disk is at fault, not fs: what happened, where, and what to do. */
const systemCauses: Record<string, [string, string, string]> = {
	ENOSPC: ['No space left on the device', 'Free some space there (a run keeps its snapshot under FS_HOME, default ~/.fs; set FS_HOME to a disk with room).', 'NoSpace'],
	EDQUOT: ['Disk quota exceeded', 'Free some of your quota, or set FS_HOME to a disk with room.', 'NoSpace'],
	EROFS: ['The file system is read-only', 'Point the path (or FS_HOME) at a writable disk.', 'ReadOnly'],
	EACCES: ['Permission denied', 'Check the permissions of that path, or choose another one.', 'AccessDenied'],
	EPERM: ['Operation not permitted', 'Check the permissions of that path, or choose another one.', 'AccessDenied'],
	EMFILE: ['Too many open files', 'Raise the limit (ulimit -n 4096) and run it again.', 'TooManyFiles'],
};

/**
 * A file-system failure from Node (its code), SQLite (SQLITE_FULL) or DuckDB
 * (its IO Error's text), as the user's to fix: named, with where.
 */
function systemError(error: unknown, first: string): FsError | undefined {
	const {code, path: where} = (error ?? {}) as {code?: unknown; path?: unknown};
	let cause = typeof code === 'string' ? systemCauses[code] : undefined;
	if (!cause && (code === 'SQLITE_FULL' || /No space left on device/.test(first))) cause = systemCauses['ENOSPC'];
	if (!cause && /Permission denied/.test(first) && /IO Error/.test(first)) cause = systemCauses['EACCES'];
	if (!cause) return undefined;
	const file = typeof where === 'string' ? where : /"([^"]+)"/.exec(first)?.[1];
	return runtimeError(file ? `${cause[0]}: ${file}.` : `${cause[0]} (${first.replace(/\.$/, '')}).`, cause[1], cause[2]);
}
