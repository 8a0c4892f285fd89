/**
 * After the transfer: what a run's result means (the run's files kept or
 * removed, the error that sets the exit code) and the commands that continue
 * it, built from its options so they carry every option the user gave.
 */
import {existsSync} from 'node:fs';
import path from 'node:path';
import {explainError, FsError, runtimeError} from '../core/errors.js';
import {count} from '../core/format.js';
import {removeRun, saveCheckpoint} from '../engine/checkpoint.js';
import type {MigrationResult} from '../engine/migrate.js';
import type {StoreHandle} from '../stores/open.js';
import {migrateCommandLine, migrationDefaults, type MigrationOptions, type StoreChoice} from './options.js';
import type {Prepared} from './prepare.js';

/**
 * The stores as printed commands name them: resolved (`local:/abs/dir`), so
 * they work from any directory, and the AWS options as given, so the
 * resumed run finds the same run directory.
 */
function printedStores(prepared: Prepared): StoreChoice {
	const spec = (handle: StoreHandle) => (handle.kind === 'local' ? `local:${handle.dir}` : 'sagemaker');
	const source = spec(prepared.source.handle);
	const target = spec(prepared.target.handle);
	const {store: _store, sourceStore: _source, targetStore: _target, ...aws} = prepared.options.stores;
	if (source !== target) return {sourceStore: source, targetStore: target, ...aws};
	return prepared.storeNamed ? {store: source, ...aws} : aws;
}

const base = (prepared: Prepared): MigrationOptions => ({
	source: prepared.plan.source, target: prepared.plan.target, batchSize: prepared.options.batchSize, workers: prepared.options.workers,
	clearTarget: false, skipExisting: true, resume: false, stores: printedStores(prepared),
	...(prepared.plan.maxWriteRate ? {maxWriteRate: prepared.plan.maxWriteRate} : {}),
});

/** `fs migrate … --resume --run-id ID --yes`: the run's own options come from its checkpoint. */
export function resumeCommand(prepared: Prepared): string {
	return migrateCommandLine({...base(prepared), ...migrationDefaults, resume: true, runId: prepared.checkpoint.runId}, ['--yes'], prepared.program);
}

/** `fs migrate … --retry-failed FILE --yes`, with the batch size and workers the run had. */
export function retryCommand(prepared: Prepared): string {
	return migrateCommandLine({...base(prepared), retryFailed: prepared.checkpoint.failedFile}, ['--yes'], prepared.program);
}

/** A run that threw: its checkpoint marked failed (kept for --resume), the error with the resume command. */
export function failure(prepared: Prepared, error: unknown): FsError {
	// The checkpoint is saved before anything runs: a run that failed can be resumed.
	// (A run refused before it began, the target being locked, say, has no checkpoint to keep.)
	if (prepared.checkpoint.status === 'running' && existsSync(path.join(prepared.runDir, 'checkpoint.json'))) {
		prepared.checkpoint.status = 'failed';
		// A disk that is full keeps the last checkpoint saved: the resume starts from there.
		try {
			saveCheckpoint(prepared.runDir, prepared.checkpoint);
		} catch {}
	}

	const command = resumeCommand(prepared);
	const resume = `Resume it: ${command}`;
	const known = explainError(error);
	if (known) return runtimeError(`Migration failed: ${known.message}`, `${known.remedy} Then resume it: ${command}`, known.code);
	// A run that failed after it began is resumable: its remedy says how (a permission granted, say).
	const resumable = error instanceof FsError && (error.kind === 'runtime' || error.code === 'AccessDenied') && error.code !== 'BrokenCheckpoint';
	if (error instanceof FsError) return resumable ? new FsError(error.kind, error.message, error.remedy ? `${error.remedy} ${resume}` : resume, error.code) : error;
	return runtimeError(`Migration failed: ${(error as Error).message}`, resume);
}

export const reconciles = ({totals}: MigrationResult) => totals.read === totals.written + totals.failed + totals.skipped;

function verificationOk(result: MigrationResult): boolean {
	const verification = result.verification;
	if (!verification) return true;
	return (verification.offlineRows?.ok ?? true) && (verification.sample?.ok ?? true);
}

/**
 * Settle a finished or stopped run: a run done and verified leaves nothing
 * behind; a stopped or doubtful one keeps its state for --resume. Returns
 * the error its outcome means for the exit code (none: success).
 */
export function settle(prepared: Prepared, result: MigrationResult): FsError | undefined {
	if (result.status === 'done' && reconciles(result) && verificationOk(result)) {
		removeRun(prepared.runDir);
		void prepared.target.store.forgetCheckpoint(prepared.checkpoint.runId);
	} else {
		saveCheckpoint(prepared.runDir, prepared.checkpoint);
	}

	const {totals} = result;
	if (result.status === 'interrupted') {
		const copied = prepared.checkpoint.offlineCopy?.done ? `${count(prepared.checkpoint.offlineCopy.rows ?? 0)} copied by Athena and ` : '';
		return new FsError('interrupted', `Migration interrupted; the checkpoint is saved (${copied}${count(prepared.checkpoint.totals.written)} written through the API so far).`, `Resume: ${resumeCommand(prepared)}`);
	}

	if (!reconciles(result)) return runtimeError(`The counts do not reconcile: read ${totals.read} ≠ written + failed + skipped.`, 'This is a bug in fs; the checkpoint is kept so the run can be resumed.');
	if (!verificationOk(result)) {
		return runtimeError('Verification failed: the target does not hold what was written.', 'Check for other writers to the target; inspect it with `fs export` / `fs get`.');
	}

	// With the history copied server-side, a winner the online store refused failed too.
	const failed = totals.failed + (result.online?.failed ?? 0);
	if (failed > 0) {
		return new FsError('partial', `${count(failed)} record${failed === 1 ? '' : 's'} failed; they are in ${prepared.checkpoint.failedFile}.`, `Retry: ${retryCommand(prepared)}`);
	}

	return undefined;
}
