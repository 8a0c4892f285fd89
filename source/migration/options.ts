/**
 * A migration's options, typed, checked and defaulted in one place, whether
 * they come from the command line, the guided app's form or a checkpoint;
 * and back again as a command line, so every command fs prints carries
 * every option the user gave (docs/architecture.md).
 */
import {usageError} from '../core/errors.js';
import {parseWhere} from '../core/filter.js';
import {shellWord} from '../core/format.js';
import {checkFeatureGroupName} from '../core/names.js';
import {parseShard, shardLabel, type Shard} from '../core/shard.js';
import {parseWriteRate, writeRateLabel, type WriteRate} from '../core/cost.js';

export type Mode = 'history' | 'snapshot';

/** Which stores the two sides are in, as the user named them (unset: the environment's). */
export interface StoreChoice {
	store?: string;
	sourceStore?: string;
	targetStore?: string;
	profile?: string;
	sourceProfile?: string;
	targetProfile?: string;
	region?: string;
	sourceRegion?: string;
	targetRegion?: string;
	athenaOutput?: string;
	athenaWorkgroup?: string;
}

export interface MigrationOptions {
	source: string;
	target: string;
	batchSize: number;
	workers: number;
	/** Unset: the strategy decides (history, or snapshot into an online-only target). */
	mode?: Mode;
	filter?: string;
	idsFile?: string;
	clearTarget: boolean;
	/** Leave out the rows the target holds already (default); --no-skip-existing copies them again. */
	skipExisting: boolean;
	retryFailed?: string;
	failedOutput?: string;
	resume: boolean;
	runId?: string;
	/** This run's part of the identifiers (--shard K/N, FS_SHARD): core/shard.ts. */
	shard?: Shard;
	/** Writes paced to this rate across all workers (--max-write-rate): core/cost.ts. */
	maxWriteRate?: WriteRate;
	/** How the offline history goes (--offline-copy): by Athena, server-side, or through the API; unset: server-side where it can. */
	offlineCopy?: 'api' | 'server';
	stores: StoreChoice;
}

/** The defaults, written once: the flags' help, the guided form and parsing read them here. */
export const migrationDefaults = {batchSize: 100, workers: 4} as const;
export const limits = {batchSize: 10_000, workers: 64} as const;

/** What a face hands in: values as typed (strings from flags or a form), unset when not given. */
export interface OptionsInput {
	source: string;
	target: string;
	batchSize?: unknown;
	workers?: unknown;
	mode?: unknown;
	filter?: string;
	idsFile?: string;
	clearTarget?: boolean;
	skipExisting?: boolean;
	retryFailed?: string;
	failedOutput?: string;
	resume?: boolean;
	runId?: string;
	/** K/N; `shardFrom` names where it came from (--shard or FS_SHARD). */
	shard?: string;
	shardFrom?: string;
	maxWriteRate?: string;
	offlineCopy?: string;
	stores?: StoreChoice;
}

/** Check and default `input`; each refusal names the flag and the fix. */
export function migrationOptions(input: OptionsInput): MigrationOptions {
	const filter = parseWhere(nonEmpty(input.filter), '--filter-query');
	const idsFile = nonEmpty(input.idsFile);
	const retryFailed = nonEmpty(input.retryFailed);
	const clearTarget = input.clearTarget === true;
	if (retryFailed && (filter || idsFile || clearTarget)) {
		throw usageError('--retry-failed sends exactly the records of its file.', 'Drop --filter-query, --ids-file and --clear-target.');
	}

	const shardText = nonEmpty(input.shard);
	const shard = shardText === undefined ? undefined : parseShard(shardText, input.shardFrom);
	if (shard && clearTarget) {
		throw usageError('--clear-target with --shard would let every shard delete what the others wrote.', 'Clear the target once first (`fs clear TARGET`), then start the shards without --clear-target.');
	}

	if (shard && retryFailed) throw usageError('--retry-failed sends exactly the records of its file, whatever their shard.', 'Drop --shard (each shard writes its own failed-records file).');
	const runId = nonEmpty(input.runId);
	if (runId !== undefined && input.resume !== true) throw usageError('--run-id picks the run a --resume continues.', 'Add --resume, or drop --run-id.');
	const mode = nonEmpty(input.mode as string | undefined);
	if (mode !== undefined && mode !== 'history' && mode !== 'snapshot') {
		throw usageError(`--mode must be one of history, snapshot, got ${JSON.stringify(mode)}.`, 'Pass e.g. --mode history.');
	}

	const options: MigrationOptions = {
		source: checkFeatureGroupName(input.source),
		target: checkFeatureGroupName(input.target),
		batchSize: wholeNumber(input.batchSize, '--batch-size', migrationDefaults.batchSize, limits.batchSize),
		workers: wholeNumber(input.workers, '--max-workers', migrationDefaults.workers, limits.workers),
		clearTarget,
		skipExisting: input.skipExisting !== false,
		resume: input.resume === true,
		stores: Object.fromEntries(Object.entries(input.stores ?? {}).filter(([, value]) => value !== undefined && value !== '')) as StoreChoice,
	};
	if (mode) options.mode = mode;
	if (filter) options.filter = filter;
	if (idsFile) options.idsFile = idsFile;
	if (retryFailed) options.retryFailed = retryFailed;
	const failedOutput = nonEmpty(input.failedOutput);
	if (failedOutput) options.failedOutput = failedOutput;
	if (runId) options.runId = runId;
	if (shard && shard.count > 1) options.shard = shard;
	const copy = nonEmpty(input.offlineCopy);
	if (copy !== undefined && copy !== 'api' && copy !== 'server') throw usageError(`--offline-copy must be api or server, got ${JSON.stringify(copy)}.`, 'Pass --offline-copy server (Athena copies the history) or --offline-copy api (every row through the API).');
	if (copy) options.offlineCopy = copy;
	const rate = nonEmpty(input.maxWriteRate);
	if (rate !== undefined) options.maxWriteRate = parseWriteRate(rate);
	return options;
}

const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value);

function wholeNumber(value: unknown, flag: string, fallback: number, max: number): number {
	if (value === undefined || (typeof value === 'string' && value.trim() === '')) return fallback;
	const text = String(value).trim();
	const number = Number(text);
	if (!/^[+-]?\d+$/.test(text) || number < 1 || number > max) {
		throw usageError(
			`${flag} must be a whole number from 1 to ${max.toLocaleString('en-US')}, got ${JSON.stringify(String(value))}.`,
			`Pass e.g. ${flag} ${Math.min(100, max)}.`,
		);
	}

	return number;
}

const storeFlags: Array<[keyof StoreChoice, string]> = [
	['store', '--store'], ['sourceStore', '--source-store'], ['targetStore', '--target-store'],
	['profile', '--profile'], ['sourceProfile', '--source-profile'], ['targetProfile', '--target-profile'],
	['region', '--region'], ['sourceRegion', '--source-region'], ['targetRegion', '--target-region'],
	['athenaOutput', '--athena-output'], ['athenaWorkgroup', '--athena-workgroup'],
];

/**
 * `options` as the arguments of `fs migrate`: every option given (defaults
 * left out), so the printed command does what the run did.
 */
export function migrateArguments(options: MigrationOptions): string[] {
	const args = [options.source, options.target];
	for (const [key, flag] of storeFlags) if (options.stores[key] !== undefined) args.push(flag, options.stores[key]!);
	if (options.filter) args.push('--filter-query', options.filter);
	if (options.idsFile) args.push('--ids-file', options.idsFile);
	if (options.shard) args.push('--shard', shardLabel(options.shard));
	if (options.mode) args.push('--mode', options.mode);
	if (options.batchSize !== migrationDefaults.batchSize) args.push('--batch-size', String(options.batchSize));
	if (options.workers !== migrationDefaults.workers) args.push('--max-workers', String(options.workers));
	if (options.maxWriteRate) args.push('--max-write-rate', writeRateLabel(options.maxWriteRate));
	if (options.offlineCopy) args.push('--offline-copy', options.offlineCopy);
	if (options.clearTarget) args.push('--clear-target');
	if (!options.skipExisting) args.push('--no-skip-existing');
	if (options.retryFailed) args.push('--retry-failed', options.retryFailed);
	if (options.failedOutput) args.push('--failed-output', options.failedOutput);
	if (options.resume) args.push('--resume');
	if (options.runId) args.push('--run-id', options.runId);
	return args;
}

/** `fs migrate …` for the shell, every word quoted as it needs; `program`: how fs is run here (programName). */
export const migrateCommandLine = (options: MigrationOptions, extra: string[] = [], program = 'fs') =>
	[program, 'migrate', ...[...migrateArguments(options), ...extra].map(shellWord)].join(' ');
