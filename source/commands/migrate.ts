import {existsSync} from 'node:fs';
import path from 'node:path';
import {createInterface} from 'node:readline/promises';
import type {Command, Context} from '../cli/command.js';
import {confirmByTyping} from '../cli/prompt.js';
import {watchInterrupts} from '../cli/signals.js';
import {explainError, FsError, runtimeError, usageError} from '../core/errors.js';
import {planJson, planLines, type Plan} from '../core/plan.js';
import {removeRun, saveCheckpoint} from '../engine/checkpoint.js';
import {Migration, type MigrationResult} from '../engine/migrate.js';
import type {StoreHandle} from '../stores/open.js';
import {diffLines} from '../ui/diff.js';
import {count, duration, percent, preciseDuration} from '../ui/format.js';
import type {Style} from '../ui/style.js';
import {prepare, type Prepared} from './migrate-prepare.js';

export const migrateCommand: Command = {
	name: 'migrate',
	summary: 'move the data of one feature group into another',
	args: [0, 2],
	flags: {
		clearTarget: {type: 'boolean', default: false},
		batchSize: {type: 'string', default: '100'},
		maxWorkers: {type: 'string', default: '4'},
		dryRun: {type: 'boolean', default: false},
		filterQuery: {type: 'string'},
		yes: {type: 'boolean', shortFlag: 'y', default: false},
		resume: {type: 'boolean', default: false},
		runId: {type: 'string'},
		failedOutput: {type: 'string'},
		retryFailed: {type: 'string'},
		idsFile: {type: 'string'},
		mode: {type: 'string'},
		sourceStore: {type: 'string'},
		targetStore: {type: 'string'},
		sourceProfile: {type: 'string'},
		targetProfile: {type: 'string'},
		sourceRegion: {type: 'string'},
		targetRegion: {type: 'string'},
	},
	help: `
Usage
  fs migrate SOURCE_FEATURE_GROUP TARGET_FEATURE_GROUP [options]

Checks schema compatibility, shows the diff and the plan, asks for
confirmation, then streams the data through worker threads and accounts for
every record: read = written + failed + skipped.

Options
  --clear-target          delete the target's existing data first
  --batch-size N          records per batch handed to a worker (default 100)
  --max-workers N         worker threads (default 4; at most one per CPU core
                          when the target is the embedded store)
  --dry-run               show the plan with the estimated count; write nothing
  --filter-query "WHERE …"  an Athena WHERE clause on the source offline store
  -y, --yes               no confirmation (required without a terminal)
  --json                  the plan and the result as JSON on stdout
  --mode history|snapshot every version (deletes replayed) or the latest per identifier
  --ids-file FILE         only these record identifiers (one per line)
  --failed-output FILE    where failed records go (default ./fs-failed-SOURCE-TIME.jsonl)
  --retry-failed FILE     send exactly the records of a failed-records file again
  --resume                continue the interrupted run of this pair from its checkpoint
  --run-id ID             with --resume: which run, when the pair has several
  --source-store STORE    source store, if not --store (e.g. local:/data/prod)
  --target-store STORE    target store, if not --store
  --source-profile NAME / --target-profile NAME   AWS profile of each side, if not --profile
  --source-region REGION / --target-region REGION AWS region of each side, if not --region

Exit codes: 0 done · 1 failed (resumable) · 2 invalid usage, nothing written ·
3 done, some records failed · 130 interrupted (checkpoint saved)

Examples
  fs migrate old-customer-profile new-customer-profile --dry-run
  fs migrate old-customer-profile new-customer-profile --clear-target --batch-size 200 --max-workers 6 --yes
  fs migrate all-customers selected-customers --filter-query "WHERE customer_id IN ('cust_000001', 'cust_000002')" --yes
  fs migrate customer-history customer-history-v2 --resume --yes`,
	async run(context) {
		if (context.input.length === 1) {
			throw usageError('`fs migrate` needs SOURCE and TARGET feature groups (or neither, on a terminal, for the guided migration).', 'Run `fs list` to see them, then: fs migrate SOURCE TARGET --dry-run');
		}

		if (guided(context)) {
			const {runGuided} = await import('../ui/app/run.js');
			await runGuided(context, context.input.length === 2 ? {source: context.input[0]!, target: context.input[1]!} : undefined);
			return;
		}

		if (context.input.length < 2) {
			throw usageError(
				'`fs migrate` needs SOURCE and TARGET feature groups: the guided migration needs a terminal (and no NO_COLOR, CI, --json or --yes).',
				'Run `fs list` to see the groups, then: fs migrate SOURCE TARGET --dry-run',
			);
		}

		const prepared = await prepare(context);
		try {
			await execute(context, prepared);
		} finally {
			await prepared.closeStores();
		}
	},
};

/**
 * The Ink app runs on a terminal unless told not to: NO_COLOR, CI, --json,
 * --yes, --dry-run, --resume and --retry-failed all mean plain lines.
 */
function guided(context: Context): boolean {
	const {flags, io} = context;
	if (!context.interactive || !context.style.enabled) return false;
	if (io.env['CI'] && io.env['CI'] !== 'false') return false;
	return !flags['json'] && !flags['yes'] && !flags['dryRun'] && !flags['resume'] && !flags['retryFailed'] && !flags['idsFile'];
}

async function execute(context: Context, prepared: Prepared) {
	const {flags, style, errStyle} = context;
	const {plan} = prepared;
	const json = flags['json'] === true;
	if (!json) {
		context.print(style.bold('Schema'));
		context.print(diffLines(plan.compatibility, style).join('\n'));
		for (const warning of plan.compatibility.warnings) context.print(style.yellow(`⚠ ${warning}`));
		context.print();
		context.print(planLines(plan).join('\n'));
	}

	if (flags['dryRun']) {
		if (json) context.json({plan: planJson(plan), dryRun: true});
		else context.print(`\n🔍 Dry-run: no data was migrated.`);
		return;
	}

	await confirm(context, plan);
	const migration = new Migration(prepared);
	const interrupt = watchInterrupts(signal => {
		context.note(errStyle.yellow(`\n${signal}: finishing the batches in flight, then saving the checkpoint…`));
		migration.stop();
	});
	const progress = startProgress(context, migration);
	let result: MigrationResult;
	try {
		result = await migration.run();
	} catch (error) {
		// The checkpoint is saved before anything runs: a run that failed can be resumed.
		// (A run refused before it began, the target being locked, say, has no checkpoint to keep.)
		if (prepared.checkpoint.status === 'running' && existsSync(path.join(prepared.runDir, 'checkpoint.json'))) {
			prepared.checkpoint.status = 'failed';
			// A disk that is full keeps the last checkpoint saved: the resume starts from there.
			try {
				saveCheckpoint(prepared.runDir, prepared.checkpoint);
			} catch {}
		}

		const command = resumeCommand(context, prepared);
		const resume = `Resume it: ${command}`;
		const known = explainError(error);
		if (known) throw runtimeError(`Migration failed: ${known.message}`, `${known.remedy} Then resume it: ${command}`, known.code);
		if (error instanceof FsError) throw error.kind === 'runtime' && error.code !== 'BrokenCheckpoint' ? new FsError('runtime', error.message, error.remedy ? `${error.remedy} ${resume}` : resume, error.code) : error;
		throw runtimeError(`Migration failed: ${(error as Error).message}`, resume);
	} finally {
		progress.stop();
		interrupt.dispose();
	}

	report(context, prepared, result);
}

async function confirm(context: Context, plan: Plan) {
	if (context.flags['yes'] === true) return;
	const destructive = plan.clearTarget || plan.compatibility.dataLoss;
	if (destructive || !context.interactive) {
		const why = [plan.clearTarget ? `it deletes the data of ${plan.target} first` : '', plan.compatibility.dataLoss ? `${plan.compatibility.totals.drop} source feature(s) will be dropped` : ''].filter(Boolean).join('; ');
		await confirmByTyping(context, plan.target, `Migrating ${plan.source} → ${plan.target}`, why || `it writes ${count(plan.estimatedRecords)} records into ${plan.target}`);
		return;
	}

	const rl = createInterface({input: context.io.stdin, output: context.io.stderr});
	try {
		const answer = await rl.question(`Migrate ${count(plan.estimatedRecords)} records into ${plan.target}? [y/N] `);
		if (!/^y(es)?$/i.test(answer.trim())) throw new FsError('usage', 'Cancelled: nothing was written.', undefined, 'Cancelled');
	} finally {
		rl.close();
	}
}

/** Plain progress lines every few seconds (rclone style) on stderr. */
function startProgress(context: Context, migration: Migration) {
	const every = Number(context.io.env['FS_PROGRESS_INTERVAL_MS'] ?? 5000);
	const line = () => {
		const done = migration.totals.written + migration.totals.failed + migration.totals.skipped;
		const seconds = (Date.now() - migration.startedAt) / 1000;
		const rate = (migration.totals.written + migration.totals.failed) / Math.max(seconds, 0.001);
		const retries = migration.board.all().reduce((sum, worker) => sum + worker.retries, 0);
		const left = Math.max(0, migration.expected - done);
		context.note(`[${duration(seconds)}] ${count(done)} / ${count(migration.expected)} (${percent(done, migration.expected)}) · ${count(rate)} rec/s · ETA ${duration(rate > 0 ? left / rate : 0)} · failed ${count(migration.totals.failed)} · retries ${count(retries)}`);
	};

	migration.on('phase', (phase: string) => context.note(context.errStyle.dim(`${phase}…`)));
	const timer = setInterval(line, every);
	timer.unref();
	return {stop: () => clearInterval(timer)};
}

export function resumeCommand(context: Context, prepared: Prepared): string {
	return ['fs migrate', prepared.plan.source, prepared.plan.target, ...storeFlags(context, prepared), '--resume', '--run-id', prepared.checkpoint.runId, '--yes'].join(' ');
}

function storeFlags(context: Context, prepared: Prepared): string[] {
	const spec = (handle: StoreHandle) => (handle.kind === 'local' ? `local:${handle.dir}` : 'sagemaker');
	const source = spec(prepared.source.handle);
	const target = spec(prepared.target.handle);
	// The AWS side flags as given: the resumed run must find the same run directory.
	const aws = ['profile', 'region', 'athenaOutput', 'athenaWorkgroup', 'sourceProfile', 'targetProfile', 'sourceRegion', 'targetRegion']
		.filter(name => typeof context.flags[name] === 'string')
		.map(name => `--${name.replace(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)} ${String(context.flags[name])}`);
	if (source === target) return [...(context.flags['store'] || context.io.env['FS_STORE'] ? [`--store ${source}`] : []), ...aws];
	return [`--source-store ${source}`, `--target-store ${target}`, ...aws];
}

function report(context: Context, prepared: Prepared, result: MigrationResult) {
	settle(prepared, result);
	if (context.flags['json'] === true) context.json({plan: planJson(prepared.plan), result});
	else context.print(`\n${summaryLines(result, context.style).join('\n')}`);
	const error = outcomeError(context, prepared, result);
	if (error) throw error;
}

const reconciles = ({totals}: MigrationResult) => totals.read === totals.written + totals.failed + totals.skipped;

/** A finished run's state goes; a stopped or doubtful one's stays for --resume. */
export function settle(prepared: Prepared, result: MigrationResult) {
	if (result.status === 'done' && reconciles(result) && verificationOk(result)) {
		removeRun(prepared.runDir);
		void prepared.target.store.forgetCheckpoint(prepared.checkpoint.runId);
	} else {
		saveCheckpoint(prepared.runDir, prepared.checkpoint);
	}
}

/** The summary block, for the plain view and the Ink view. */
export function summaryLines(result: MigrationResult, style: Style): string[] {
	const {totals} = result;
	const reconciled = reconciles(result);
	const mark = result.status === 'interrupted' ? style.yellow('■') : totals.failed > 0 ? style.yellow('✔') : style.green('✔');
	const verb = result.status === 'interrupted' ? 'Migration stopped after' : 'Migration finished in';
	const lines = [
		`${mark} ${verb} ${preciseDuration(result.seconds)} · ${count(result.recordsPerSecond)} records/s`,
		`  read     ${count(totals.read).padStart(10)}  = written + failed + skipped ${reconciled ? style.green('✓') : style.red('✘')}`,
		`  written  ${count(totals.written).padStart(10)}${totals.deletes ? `  (${count(totals.deletes)} deletes replayed)` : ''}`,
		`  failed   ${count(totals.failed).padStart(10)}${result.failedFile && totals.failed > 0 ? `  → ${result.failedFile}` : ''}`,
		`  skipped  ${count(totals.skipped).padStart(10)}${totals.skipped ? '  (done before the interruption)' : ''}`,
	];
	const verification = result.verification;
	if (verification) {
		const parts: string[] = [];
		if (verification.offlineRows) parts.push(`target offline rows ${count(verification.offlineRows.actual)} ${verification.offlineRows.ok ? style.green('✓') : style.red(`✘ expected ${count(verification.offlineRows.expected)}`)}`);
		if (verification.sample) parts.push(`${verification.sample.matched}/${verification.sample.checked} sampled records match ${verification.sample.ok ? style.green('✓') : style.red('✘')}`);
		if (verification.note) parts.push(verification.note);
		lines.push(`Verification: ${parts.join(' · ')}`);
	}

	return lines;
}

/** What the run's outcome means for the exit code (none: success). */
export function outcomeError(context: Context, prepared: Prepared, result: MigrationResult): FsError | undefined {
	const {totals} = result;
	if (result.status === 'interrupted') {
		return new FsError('interrupted', `Migration interrupted; the checkpoint is saved (${count(prepared.checkpoint.totals.written)} written so far).`, `Resume: ${resumeCommand(context, prepared)}`);
	}

	if (!reconciles(result)) return runtimeError(`The counts do not reconcile: read ${totals.read} ≠ written + failed + skipped.`, 'This is a bug in fs; the checkpoint is kept so the run can be resumed.');
	if (!verificationOk(result)) {
		return runtimeError('Verification failed: the target does not hold what was written.', 'Check for other writers to the target; inspect it with `fs export` / `fs get`.');
	}

	if (totals.failed > 0) {
		return new FsError('partial', `${count(totals.failed)} record${totals.failed === 1 ? '' : 's'} failed; they are in ${prepared.checkpoint.failedFile}.`, `Retry: ${['fs migrate', prepared.plan.source, prepared.plan.target, ...storeFlags(context, prepared), '--retry-failed', prepared.checkpoint.failedFile, '--yes'].join(' ')}`);
	}

	return undefined;
}

function verificationOk(result: MigrationResult): boolean {
	const verification = result.verification;
	if (!verification) return true;
	return (verification.offlineRows?.ok ?? true) && (verification.sample?.ok ?? true);
}

