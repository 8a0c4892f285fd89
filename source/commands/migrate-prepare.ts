/**
 * Everything `fs migrate` settles before the transfer: both groups and their
 * status, the compatibility, the strategy, the real count, the plan, and the
 * run's checkpoint (new, or the interrupted one a --resume continues).
 */
import {mkdtempSync, rmSync} from 'node:fs';
import os, {availableParallelism} from 'node:os';
import path from 'node:path';
import type {Context} from '../cli/command.js';
import {choiceFlag, integerFlag} from '../cli/options.js';
import {checkCompatibility} from '../core/compat.js';
import {usageError} from '../core/errors.js';
import {parseWhere} from '../core/filter.js';
import {checkFeatureGroupName} from '../core/names.js';
import {chooseStrategy, makePlan, type Plan} from '../core/plan.js';
import {hasOfflineStore, type FeatureGroup} from '../core/types.js';
import {describeOptions, fsHome, newRunId, pairDirFor, runToResume, sameRows, unfinishedRuns, type Checkpoint, type SavedRun} from '../engine/checkpoint.js';
import {lockFileFor} from '../engine/lock.js';
import type {Side} from '../engine/migrate.js';
import {countFailedLines, idConditions, listIdentifiersTo, readIdsFile, type SnapshotRequest} from '../engine/source.js';
import {describeStore, openStoreHandle, storeHandle} from '../stores/open.js';
import type {Store} from '../stores/store.js';
import {diffLines} from '../ui/diff.js';
import {count} from '../ui/format.js';

export interface Prepared {
	source: Side;
	target: Side;
	plan: Plan;
	request: SnapshotRequest;
	runDir: string;
	checkpoint: Checkpoint;
	resuming: boolean;
	/** Directories of unfinished runs of the same rows that this run starts over. */
	superseded: string[];
	/** The target's lock (engine/lock.ts), taken when the run starts. */
	lockFile: string;
	closeStores(): Promise<void>;
}

export async function prepare(context: Context): Promise<Prepared> {
	const {flags} = context;
	const [sourceName, targetName] = context.input.map(name => checkFeatureGroupName(name!)) as [string, string];

	let batchSize = integerFlag(flags['batchSize'], '--batch-size', {max: 10_000})!;
	let workers = integerFlag(flags['maxWorkers'], '--max-workers', {max: 64})!;
	let mode = choiceFlag(flags['mode'], '--mode', ['history', 'snapshot'] as const);
	let filter = parseWhere(flags['filterQuery'] as string | undefined, '--filter-query');
	let idsFile = flags['idsFile'] as string | undefined;
	let clearTarget = flags['clearTarget'] === true;
	let retryFailed = flags['retryFailed'] as string | undefined;
	if (retryFailed && (filter || idsFile || flags['clearTarget'])) {
		throw usageError('--retry-failed sends exactly the records of its file.', 'Drop --filter-query, --ids-file and --clear-target.');
	}

	const side = (role: 'source' | 'target') => storeHandle({
		spec: (flags[`${role}Store`] ?? flags['store']) as string | undefined,
		profile: (flags[`${role}Profile`] ?? flags['profile']) as string | undefined,
		region: (flags[`${role}Region`] ?? flags['region']) as string | undefined,
		athenaOutput: flags['athenaOutput'] as string | undefined,
		athenaWorkgroup: flags['athenaWorkgroup'] as string | undefined,
		env: context.io.env,
	});
	const sourceHandle = side('source');
	const targetHandle = side('target');
	const sourceStore = await openStoreHandle(sourceHandle, context.io.env);
	const sameStore = JSON.stringify(sourceHandle) === JSON.stringify(targetHandle);
	const targetStore = sameStore ? sourceStore : await openStoreHandle(targetHandle, context.io.env);
	// Scratch space for this prepare (an online-only source's identifiers): gone when the stores close.
	const scratch = mkdtempSync(path.join(os.tmpdir(), 'fs-migrate-'));
	const closeStores = async () => {
		rmSync(scratch, {recursive: true, force: true});
		await sourceStore.close();
		if (!sameStore) await targetStore.close();
	};

	try {
		const sourceGroup = await sourceStore.describeFeatureGroup(sourceName);
		const targetGroup = await targetStore.describeFeatureGroup(targetName);
		for (const [role, group] of [['source', sourceGroup], ['target', targetGroup]] as const) {
			if (group.FeatureGroupStatus !== 'Created') {
				throw usageError(
					`The ${role} ${group.FeatureGroupName} is ${group.FeatureGroupStatus}, not Created.`,
					group.FeatureGroupStatus === 'Creating' ? 'Wait until `fs list` shows it Created, then run this again.' : 'Only a Created feature group can be migrated; recreate it.',
				);
			}
		}

		// Where the groups really are, not how the flags spell them: a group is never copied into itself.
		const sourceIdentity = sourceStore.groupIdentity(sourceGroup);
		const targetIdentity = targetStore.groupIdentity(targetGroup);
		if (sourceIdentity === targetIdentity) {
			throw usageError(`The source and the target are the same feature group (${describeStore(sourceStore)}: ${sourceGroup.FeatureGroupName}).`, 'Migrate into another group (create it with `fs create`).', 'SameGroup');
		}

		const pair = `${sourceName} → ${targetName}`;
		const pairDir = pairDirFor({identity: sourceIdentity, group: sourceName}, {identity: targetIdentity, group: targetName}, context.io.env);
		let previous: SavedRun | undefined;
		const superseded: string[] = [];
		if (flags['resume']) {
			previous = runToResume(pairDir, pair, flags['runId'] as string | undefined, `fs migrate ${sourceName} ${targetName}`);
			const options = previous.checkpoint.options;
			({batchSize, workers, mode, clearTarget} = options);
			({filter, idsFile, retryFailed} = options);
			context.note(context.errStyle.dim(`resuming run ${previous.checkpoint.runId} (${previous.checkpoint.status}): ${count(previous.checkpoint.totals.written)} written, ${count(previous.checkpoint.totals.failed)} failed so far`));
			if (clearTarget && !previous.checkpoint.snapshot) context.note(context.errStyle.yellow(`⚠ That run stopped before reading its source: ${targetName} is cleared again, as it asked.`));
		} else if (flags['runId'] !== undefined) {
			throw usageError('--run-id picks the run a --resume continues.', 'Add --resume, or drop --run-id.');
		}

		const compatibility = checkCompatibility(sourceGroup, targetGroup);
		if (compatibility.errors.length > 0) {
			context.note(diffLines(compatibility, context.errStyle).join('\n'));
			throw usageError(`${sourceName} cannot be migrated into ${targetName}:\n    ${compatibility.errors.join('\n    ')}`, 'Create a target whose record identifier and event time exist in the source, with the same collection types.');
		}

		const choice = retryFailed
			? {strategy: hasOfflineStore(sourceGroup) ? 'offline_to_online' as const : 'online_to_online' as const, primary: 'offline' as const, mode: 'history' as const}
			: chooseStrategy(sourceGroup, targetGroup, {mode, filter});
		if (choice.mode === 'snapshot' && filter) {
			compatibility.warnings.push('In snapshot mode the filter picks rows before the latest version of each identifier is chosen (as the Athena query does): where the latest version does not match, an older matching one is copied, and delete markers never match a condition on a feature.');
		}

		if (!previous) {
			const {runs, broken} = unfinishedRuns(pairDir);
			for (const {dir, error} of broken) context.note(context.errStyle.yellow(`⚠ ${error.message} (${dir} is left alone)`));
			const asked = {batchSize, workers, mode: choice.mode, filter, idsFile, retryFailed, clearTarget};
			for (const run of runs) {
				// An unfinished run of the same rows is started over (its files go when this
				// one holds the target's lock); one of other rows is kept for its own --resume.
				if (sameRows(run.checkpoint.options, asked)) {
					superseded.push(run.dir);
					context.note(context.errStyle.yellow(`⚠ An interrupted run of ${pair} exists (${run.checkpoint.runId}); this starts over. Pass --resume to continue it instead.`));
				} else {
					context.note(context.errStyle.yellow(`⚠ Another interrupted run of ${pair} is kept (${run.checkpoint.runId}: ${describeOptions(run.checkpoint.options)}); continue it with --resume --run-id ${run.checkpoint.runId}.`));
				}
			}
		}

		// Writing the embedded store is CPU work on this machine: more workers
		// than cores only take turns, at the cost of memory. A resume keeps its
		// run's count (its snapshot is split by it).
		const maxWorkers = workers;
		if (!previous && targetStore.info.kind === 'local') workers = Math.min(workers, Math.max(1, availableParallelism()));
		const ids = idsFile ? await readIdsFile(idsFile) : undefined;
		const request: SnapshotRequest = {mode: choice.mode, primary: choice.primary, ...(filter ? {where: filter} : {}), ...(ids ? {ids} : {}), ...(retryFailed ? {retryFailed} : {})};
		// A resume reads its run's snapshot: its rows are the count, nothing is listed or counted again.
		const taken = previous?.checkpoint.snapshot;
		const estimated = taken ? (taken.kind === 'offline' ? taken.snapshot.rows : taken.rows) : await estimate(sourceStore, sourceGroup, request, scratch);
		const plan = makePlan({
			source: sourceGroup, target: targetGroup, choice, estimatedRecords: estimated, batchSize, workers, ...(workers < maxWorkers ? {maxWorkers} : {}), filter, idsFile: idsFile ?? retryFailed, clearTarget,
			sourceStore: describeStore(sourceStore), targetStore: describeStore(targetStore), compatibility,
		});
		const failedFile = path.resolve(context.io.cwd, (flags['failedOutput'] as string | undefined) ?? previous?.checkpoint.failedFile ?? `fs-failed-${sourceName}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '')}.jsonl`);
		const runId = previous?.checkpoint.runId ?? newRunId();
		const checkpoint: Checkpoint = previous ? previous.checkpoint : {
			version: 1,
			runId,
			createdAt: new Date().toISOString(),
			updatedAt: new Date().toISOString(),
			status: 'running',
			source: {store: sourceHandle, group: sourceName},
			target: {store: targetHandle, group: targetName},
			options: {batchSize, workers, mode: choice.mode, ...(filter ? {filter} : {}), ...(idsFile ? {idsFile} : {}), ...(retryFailed ? {retryFailed} : {}), clearTarget},
			positions: Array.from({length: workers}, () => 0),
			failedFile,
			totals: {written: 0, failed: 0, deletes: 0},
		};
		const resuming = previous !== undefined;
		// A resume may send its failed records elsewhere (the first file's disk filled up, say).
		if (resuming && flags['failedOutput'] !== undefined) checkpoint.failedFile = failedFile;
		if (resuming) {
			// The target may have saved a later position with the records themselves
			// than the checkpoint file got to record before the run died.
			for (const [partition, position] of checkpoint.positions.entries()) {
				const saved = await targetStore.readCheckpoint(`${checkpoint.runId}/${partition}`);
				if (saved !== undefined && saved > position) checkpoint.positions[partition] = saved;
			}
		}

		return {
			source: {store: sourceStore, handle: sourceHandle, group: sourceGroup},
			target: {store: targetStore, handle: targetHandle, group: targetGroup},
			plan, request, runDir: previous?.dir ?? path.join(pairDir, runId), checkpoint, resuming, superseded,
			lockFile: lockFileFor(targetIdentity, targetStore.info.sharedDir ?? path.join(fsHome(context.io.env), 'locks')),
			closeStores,
		};
	} catch (error) {
		await closeStores();
		throw error;
	}
}

/**
 * The real count the plan shows: the filter applied, on the source as it is
 * now. An online-only source's identifiers are listed once: kept in
 * `scratch` for the snapshot (request.listed).
 */
async function estimate(store: Store, group: FeatureGroup, request: SnapshotRequest, scratch: string): Promise<number> {
	if (request.retryFailed) return countFailedLines(request.retryFailed, group);

	if (request.primary === 'online') {
		if (request.ids) return request.ids.length;
		const file = path.join(scratch, 'ids.txt');
		request.listed = {file, rows: await listIdentifiersTo(store, group.FeatureGroupName, file)};
		return request.listed.rows;
	}

	if (!request.ids) return store.countOffline(group.FeatureGroupName, {mode: request.mode, where: request.where});
	let total = 0;
	for (const where of idConditions(group, request.ids, request.where)) total += await store.countOffline(group.FeatureGroupName, {mode: request.mode, where});
	return total;
}
