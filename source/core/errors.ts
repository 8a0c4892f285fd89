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

/** The one mapping from errors to exit codes (SPEC: Exit codes). */
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
