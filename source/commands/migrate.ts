/**
 * `fs migrate`, the plain face: flags → MigrationOptions, then the migration
 * layer (source/migration) prepares, runs and settles; this file prints and
 * asks. The guided app (ui/app/run.tsx) is the other face over the same layer.
 */
import {createInterface} from 'node:readline/promises';
import {defineCommand, type Context, type GlobalValues} from '../cli/command.js';
import type {FlagDefs, FlagValues} from '../cli/flags.js';
import {confirmByTyping} from '../cli/prompt.js';
import {watchInterrupts} from '../cli/signals.js';
import {FsError, usageError} from '../core/errors.js';
import {count, duration, eta, percent} from '../core/format.js';
import {planJson, planLines} from '../core/plan.js';
import {Migration, type MigrationResult} from '../engine/migrate.js';
import {limits, migrateCommandLine, migrationDefaults, migrationOptions, type MigrationOptions, type StoreChoice} from '../migration/options.js';
import {failure, settle} from '../migration/outcome.js';
import {IncompatibleGroups, prepare, type Prepared} from '../migration/prepare.js';
import type {Store} from '../stores/store.js';
import type {GuidedStart} from '../ui/app/run.js';
import {diffLines} from '../ui/diff.js';
import {summaryLines} from '../ui/summary.js';

const migrateFlags = {
	clearTarget: {type: 'boolean', default: false},
	skipExisting: {type: 'boolean', default: true},
	batchSize: {type: 'integer', default: migrationDefaults.batchSize, max: limits.batchSize},
	maxWorkers: {type: 'integer', default: migrationDefaults.workers, max: limits.workers},
	dryRun: {type: 'boolean', default: false},
	filterQuery: {type: 'string'},
	yes: {type: 'boolean', short: 'y', default: false},
	resume: {type: 'boolean', default: false},
	runId: {type: 'string'},
	failedOutput: {type: 'string'},
	retryFailed: {type: 'string'},
	idsFile: {type: 'string'},
	shard: {type: 'string', env: 'FS_SHARD'},
	maxWriteRate: {type: 'string'},
	offlineCopy: {type: 'string', choices: ['api', 'server']},
	mode: {type: 'string', choices: ['history', 'snapshot']},
	sourceStore: {type: 'string'},
	targetStore: {type: 'string'},
	sourceProfile: {type: 'string'},
	targetProfile: {type: 'string'},
	sourceRegion: {type: 'string'},
	targetRegion: {type: 'string'},
} as const satisfies FlagDefs;

type MigrateContext = Context<GlobalValues & FlagValues<typeof migrateFlags>>;

export const migrateCommand = defineCommand({
	name: 'migrate',
	summary: 'move the data of one feature group into another',
	args: [0, 2],
	flags: migrateFlags,
	help: `
Usage
  fs migrate SOURCE_FEATURE_GROUP TARGET_FEATURE_GROUP [options]

Checks schema compatibility, shows the diff and the plan, asks for
confirmation, then streams the data through worker threads and accounts for
every record: read = written + failed + skipped.

Options
  --clear-target          delete the target's existing data first
  --no-skip-existing      copy rows the target holds already (default: skipped)
  --batch-size N          records per batch handed to a worker (default ${migrationDefaults.batchSize})
  --max-workers N         worker threads (default ${migrationDefaults.workers}; at most one per CPU core
                          when the target is the embedded store)
  --dry-run               show the plan with the estimated count; write nothing
  --filter-query "WHERE …"  an Athena WHERE clause on the source offline store
  -y, --yes               no confirmation (required without a terminal)
  --json                  the plan and the result as JSON on stdout
  --mode history|snapshot every version (deletes replayed) or the latest per identifier
  --ids-file FILE         only these record identifiers (one per line)
  --max-write-rate N      at most N records/s across all workers (N wu: write units/s), to
                          leave room under the account's quota (docs/cost.md)
  --offline-copy api|server  the history copied by Athena, then only each identifier's latest
                          record written online (server: the default where it can), or every
                          row through the API (docs/server-copy.md)
  --shard K/N             only the identifiers of shard K of N (also FS_SHARD): N runs,
                          on any machines, split the migration (docs/shards.md)
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
			await runGuidedFace(context, {form: formFromFlags(context), fixed: fixedFromFlags(context), ...(context.input.length === 2 ? {initial: {source: context.input[0]!, target: context.input[1]!}} : {})});
			return;
		}

		if (context.input.length < 2) {
			throw usageError(
				'`fs migrate` needs SOURCE and TARGET feature groups: the guided migration needs a terminal (and no CI, --json or --yes).',
				'Run `fs list` to see the groups, then: fs migrate SOURCE TARGET --dry-run',
			);
		}

		const options = optionsFromFlags(context);
		const prepared = await prepareFor(context, options);
		try {
			await execute(context, prepared);
		} finally {
			await prepared.closeStores();
		}
	},
});

/** What the guided face starts from: the groups, the form's values, the store listed (default: the command line's). */
export interface GuidedFace {
	initial?: {source: string; target: string};
	form?: GuidedStart['form'];
	fixed?: GuidedStart['fixed'];
	store?: Store;
	stores?: StoreChoice;
}

/** The guided face, with the command line's stores and options filled in. */
export async function runGuidedFace(context: Context, face: GuidedFace = {}): Promise<void> {
	// Ink's colours follow FORCE_COLOR, read when it loads: with NO_COLOR or --no-color, none.
	if (!context.style.enabled) process.env['FORCE_COLOR'] = '0';
	const {runGuided} = await import('../ui/app/run.js');
	const ran = await runGuided({
		color: context.style.enabled,
		store: face.store ?? await context.store(),
		stdout: context.io.stdout as NodeJS.WriteStream, stdin: context.io.stdin as NodeJS.ReadStream, env: context.io.env, cwd: context.io.cwd,
		stores: face.stores ?? storesFromFlags(context.flags, context.given),
		form: face.form ?? {},
		...(face.fixed ? {fixed: face.fixed} : {}),
		...(face.initial ? {initial: face.initial} : {}),
	});
	if (ran === 'quit') context.note('Nothing was migrated.');
}

/** The options form as the command line fills it in: only what was given. */
function formFromFlags({flags, given}: MigrateContext): NonNullable<GuidedStart['form']> {
	return {
		...(given.has('batchSize') ? {batchSize: String(flags.batchSize)} : {}), ...(given.has('maxWorkers') ? {workers: String(flags.maxWorkers)} : {}),
		...(flags.filterQuery ? {filter: flags.filterQuery} : {}), clearTarget: flags.clearTarget,
		...(flags.mode ? {mode: flags.mode} : {}),
	};
}

/** The command line's options the form has no field for (each only when given): every plan of the guided face takes them. */
function fixedFromFlags({flags, given}: MigrateContext): NonNullable<GuidedStart['fixed']> {
	return {
		...(given.has('offlineCopy') ? {offlineCopy: flags.offlineCopy} : {}), ...(given.has('maxWriteRate') ? {maxWriteRate: flags.maxWriteRate} : {}),
		...(given.has('skipExisting') ? {skipExisting: flags.skipExisting} : {}), ...(given.has('failedOutput') ? {failedOutput: flags.failedOutput} : {}),
	};
}

/** The command line's values as MigrationOptions (checked and defaulted there, once). */
export function optionsFromFlags({flags, given, input}: MigrateContext): MigrationOptions {
	return migrationOptions({
		source: input[0]!, target: input[1]!,
		batchSize: flags.batchSize, workers: flags.maxWorkers, mode: flags.mode, filter: flags.filterQuery, idsFile: flags.idsFile,
		clearTarget: flags.clearTarget, skipExisting: flags.skipExisting, retryFailed: flags.retryFailed, failedOutput: flags.failedOutput,
		resume: flags.resume, runId: flags.runId, shard: flags.shard, shardFrom: given.has('shard') ? '--shard' : 'FS_SHARD', maxWriteRate: flags.maxWriteRate, offlineCopy: flags.offlineCopy,
		stores: storesFromFlags(flags, given),
	});
}

type SideFlags = 'sourceStore' | 'targetStore' | 'sourceProfile' | 'targetProfile' | 'sourceRegion' | 'targetRegion';

/**
 * The stores the command line names; those the environment names (FS_STORE,
 * say) are left to it, so printed commands carry only what was typed.
 */
function storesFromFlags(flags: GlobalValues & Partial<Pick<FlagValues<typeof migrateFlags>, SideFlags>>, given: ReadonlySet<string>): StoreChoice {
	const all: StoreChoice = {
		store: flags.store, sourceStore: flags.sourceStore, targetStore: flags.targetStore,
		profile: flags.profile, sourceProfile: flags.sourceProfile, targetProfile: flags.targetProfile,
		region: flags.region, sourceRegion: flags.sourceRegion, targetRegion: flags.targetRegion,
		athenaOutput: flags.athenaOutput, athenaWorkgroup: flags.athenaWorkgroup,
	};
	return Object.fromEntries(Object.entries(all).filter(([key]) => given.has(key))) as StoreChoice;
}

/** prepare, with what it has to say printed: the diff of groups that cannot be migrated, the resume line, the warnings. */
async function prepareFor(context: MigrateContext, options: MigrationOptions): Promise<Prepared> {
	let prepared: Prepared;
	try {
		prepared = await prepare(options, {env: context.io.env, cwd: context.io.cwd});
	} catch (error) {
		if (error instanceof IncompatibleGroups) context.note(diffLines(error.compatibility, context.errStyle).join('\n'));
		throw error;
	}

	if (prepared.resumed) context.note(context.errStyle.dim(prepared.resumed));
	for (const warning of prepared.warnings) context.note(context.errStyle.yellow(`⚠ ${warning}`));
	return prepared;
}

/**
 * The Ink app runs on a terminal unless told not to: CI, --json,
 * --yes, --dry-run, --resume and --retry-failed all mean plain lines.
 */
function guided(context: MigrateContext): boolean {
	const {flags, io} = context;
	// NO_COLOR removes colour, not the app (no-color.org).
	if (!context.interactive) return false;
	if (io.env['CI'] && io.env['CI'] !== 'false') return false;
	return !flags.json && !flags.yes && !flags.dryRun && !flags.resume && !flags.retryFailed && !flags.idsFile && !flags.shard;
}

async function execute(context: MigrateContext, prepared: Prepared) {
	const {flags, style, errStyle} = context;
	const {plan} = prepared;
	const json = flags.json === true;
	if (!json) {
		context.print(style.bold('Schema'));
		context.print(diffLines(plan.compatibility, style).join('\n'));
		for (const warning of plan.compatibility.warnings) context.print(style.yellow(`⚠ ${warning}`));
		context.print();
		context.print(planLines(plan, {emoji: style.enabled}).join('\n'));
	}

	if (flags.dryRun) {
		if (json) context.json({plan: planJson(plan), dryRun: true});
		else context.print(`\n${style.enabled ? '🔍 ' : ''}Dry-run: no data was migrated.`);
		return;
	}

	await confirm(context, prepared);
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
		throw failure(prepared, error);
	} finally {
		progress.stop();
		interrupt.dispose();
	}

	const error = settle(prepared, result);
	if (json) context.json({plan: planJson(plan), result});
	else context.print(`\n${summaryLines(result, context.style).join('\n')}`);
	if (error) throw error;
}

/** The confirmation prepare decided: typed name (or refused off a terminal), y/N, or none with --yes. */
async function confirm(context: MigrateContext, prepared: Prepared) {
	if (context.flags.yes === true) return;
	const {confirmation, plan} = prepared;
	if (confirmation.kind === 'type-name' || !context.interactive) {
		await confirmByTyping(context, plan.target, `Migrating ${plan.source} → ${plan.target}`, confirmation.why, migrateCommandLine(prepared.options, ['--yes', ...(context.flags.json ? ['--json'] : [])], prepared.program));
		return;
	}

	const rl = createInterface({input: context.io.stdin, output: context.io.stderr});
	try {
		const answer = await rl.question(`${confirmation.question} [y/N] `);
		if (!/^y(es)?$/i.test(answer.trim())) throw new FsError('usage', 'Cancelled: nothing was written.', undefined, 'Cancelled');
	} finally {
		rl.close();
	}
}

/** Plain progress lines every few seconds (rclone style) on stderr. */
function startProgress(context: Context, migration: Migration) {
	const every = Number(context.io.env['FS_PROGRESS_INTERVAL_MS'] ?? 5000);
	const line = () => {
		// While the source is read the count is not known yet: the phase line says so.
		if (migration.expected === 0) return;
		const {done, moved, failed} = migration.progress;
		const seconds = (Date.now() - migration.startedAt) / 1000;
		// Rows of bulk loads under way: moving, not written yet.
		const {retries, inFlight} = migration.board.sums();
		const moving = (moved + inFlight) / Math.max(seconds, 0.001);
		const left = Math.max(0, migration.expected - done - inFlight);
		const loading = inFlight > 0 ? ` (+${count(inFlight)} loading)` : '';
		context.note(`[${duration(seconds)}] ${count(done)}${loading} / ${count(migration.expected)} (${percent(done, migration.expected)}) · ${count(moving)} rec/s · ETA ${eta(left, moving)} · failed ${count(failed)} · retries ${count(retries)}`);
	};

	migration.on('phase', (phase: string) => context.note(context.errStyle.dim(`${phase}…`)));
	const timer = setInterval(line, every);
	timer.unref();
	return {stop: () => clearInterval(timer)};
}
