/**
 * Everything a migration settles before the transfer: both groups and their
 * status, the compatibility, the strategy, the real count, the plan, the
 * warnings, the confirmation it needs, and the run's checkpoint (new, or the
 * interrupted one a --resume continues). Both faces (the plain command and
 * the guided app) call this; it prints nothing.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import os, {availableParallelism} from 'node:os';
import path from 'node:path';
import {checkCompatibility, type Compatibility} from '../core/compat.js';
import {FsError, usageError} from '../core/errors.js';
import {count, programName} from '../core/format.js';
import {chooseStrategy, makePlan, type Plan, type TargetHoldings} from '../core/plan.js';
import {inShard, parseShard, shardLabel, withShard} from '../core/shard.js';
import {parseWriteRate, writeRateLabel} from '../core/cost.js';
import {hasOfflineStore, type FeatureGroup} from '../core/types.js';
import {describeOptions, fsHome, newRunId, pairDirFor, runToResume, sameRows, unfinishedRuns, type Checkpoint, type SavedRun} from '../engine/checkpoint.js';
import {lockFileFor} from '../engine/lock.js';
import type {Side} from '../engine/migrate.js';
import {countFailedLines, idConditions, listIdentifiersTo, readIdsFile, type SnapshotRequest} from '../engine/source.js';
import {describeStore, openStoreHandle, storeHandle} from '../stores/open.js';
import type {OfflineCopy, Store} from '../stores/store.js';
import {confirmationFor, type Confirmation} from './confirmation.js';
import {costEstimate} from './cost.js';
import {compareWithTarget, targetHoldings} from './existing.js';
import type {MigrationOptions} from './options.js';

/** Where a migration runs: the environment (FS_STORE, AWS_*, FS_HOME) and the working directory. */
export interface Surroundings {
	env: NodeJS.ProcessEnv;
	cwd: string;
}

export interface Prepared {
	options: MigrationOptions;
	source: Side;
	target: Side;
	plan: Plan;
	request: SnapshotRequest;
	runDir: string;
	checkpoint: Checkpoint;
	resuming: boolean;
	/** What the operator should read before confirming (both faces show them). */
	warnings: string[];
	/** A line on the run being resumed. */
	resumed?: string;
	/** What confirming this run takes, decided once for both faces. */
	confirmation: Confirmation;
	/** Whether the store was named (--store or FS_STORE): printed commands name it too. */
	storeNamed: boolean;
	/** How printed commands start: `fs`, or `npx fs` where npm runs it (core/format programName). */
	program: string;
	/** Directories of unfinished runs of the same rows that this run starts over. */
	superseded: string[];
	/** The target's lock (engine/lock.ts), taken when the run starts. */
	lockFile: string;
	/** The offline history's copy by the source's query engine, when it goes server-side (docs/server-copy.md). */
	copy?: OfflineCopy;
	closeStores(): Promise<void>;
}

/** The target cannot take the source's data: the diff shows why. */
export class IncompatibleGroups extends FsError {
	constructor(message: string, remedy: string, readonly compatibility: Compatibility) {
		super('usage', message, remedy, 'IncompatibleSchema');
	}
}

export async function prepare(options: MigrationOptions, {env, cwd}: Surroundings): Promise<Prepared> {
	const {source: sourceName, target: targetName, stores} = options;
	let {batchSize, workers, mode, filter, idsFile, clearTarget, retryFailed, shard, maxWriteRate} = options;
	const warnings: string[] = [];
	let resumed: string | undefined;

	const side = (role: 'source' | 'target') => storeHandle({
		spec: stores[`${role}Store`] ?? stores.store,
		profile: stores[`${role}Profile`] ?? stores.profile,
		region: stores[`${role}Region`] ?? stores.region,
		athenaOutput: stores.athenaOutput,
		athenaWorkgroup: stores.athenaWorkgroup,
		env,
	});
	const sourceHandle = side('source');
	const targetHandle = side('target');
	const sourceStore = await openStoreHandle(sourceHandle, env, {mustExist: true});
	const sameStore = JSON.stringify(sourceHandle) === JSON.stringify(targetHandle);
	const targetStore = sameStore ? sourceStore : await openStoreHandle(targetHandle, env, {mustExist: true});
	// Scratch space for this prepare (an online-only source's identifiers), made
	// when first needed: gone when the stores close.
	let scratch: string | undefined;
	const lazyScratch = () => {
		scratch ??= mkdtempSync(path.join(os.tmpdir(), 'fs-migrate-'));
		return scratch;
	};

	const closeStores = async () => {
		if (scratch) rmSync(scratch, {recursive: true, force: true});
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
		const pairDir = pairDirFor({identity: sourceIdentity, group: sourceName}, {identity: targetIdentity, group: targetName}, env);
		let previous: SavedRun | undefined;
		const superseded: string[] = [];
		if (options.resume) {
			previous = runToResume(pairDir, pair, options.runId, `fs migrate ${sourceName} ${targetName}`, shard ? shardLabel(shard) : undefined);
			const saved = previous.checkpoint.options;
			({batchSize, workers, mode, clearTarget} = saved);
			({filter, idsFile, retryFailed} = saved);
			shard = saved.shard ? parseShard(saved.shard, 'The checkpoint\'s shard') : undefined;
			// The rate may change on a resume (other writers came or went); else the run's own.
			if (!maxWriteRate && saved.maxWriteRate) maxWriteRate = parseWriteRate(saved.maxWriteRate);
			resumed = `resuming run ${previous.checkpoint.runId} (${previous.checkpoint.status}): ${count(previous.checkpoint.totals.written)} written, ${count(previous.checkpoint.totals.failed)} failed so far`;
			if (clearTarget && !previous.checkpoint.snapshot) warnings.push(`That run stopped before reading its source: ${targetName} is cleared again, as it asked.`);
		}

		const compatibility = checkCompatibility(sourceGroup, targetGroup);
		if (compatibility.errors.length > 0) {
			throw new IncompatibleGroups(`${sourceName} cannot be migrated into ${targetName}:\n    ${compatibility.errors.join('\n    ')}`, 'Create a target whose record identifier and event time exist in the source, with the same collection types.', compatibility);
		}

		const choice = retryFailed
			? {strategy: hasOfflineStore(sourceGroup) ? 'offline_to_online' as const : 'online_to_online' as const, primary: 'offline' as const, mode: 'history' as const}
			: chooseStrategy(sourceGroup, targetGroup, {mode, filter});
		if (choice.mode === 'snapshot' && filter) {
			compatibility.warnings.push('In snapshot mode the filter picks rows before the latest version of each identifier is chosen (as the Athena query does): where the latest version does not match, an older matching one is copied, and delete markers never match a condition on a feature.');
		}

		if (!previous) {
			const {runs, broken} = unfinishedRuns(pairDir);
			for (const {dir, error} of broken) warnings.push(`${error.message} (${dir} is left alone)`);
			const asked = {batchSize, workers, mode: choice.mode, filter, idsFile, retryFailed, clearTarget, ...(shard ? {shard: shardLabel(shard)} : {})};
			for (const run of runs) {
				// An unfinished run of the same rows is started over (its files go when this
				// one holds the target's lock); one of other rows is kept for its own --resume.
				if (sameRows(run.checkpoint.options, asked)) {
					superseded.push(run.dir);
					warnings.push(`An interrupted run of ${pair} exists (${run.checkpoint.runId}); this starts over. Pass --resume to continue it instead.`);
				} else {
					warnings.push(`Another interrupted run of ${pair} is kept (${run.checkpoint.runId}: ${describeOptions(run.checkpoint.options)}); continue it with --resume --run-id ${run.checkpoint.runId}.`);
				}
			}
		}

		// Writing the embedded store is CPU work on this machine: more workers
		// than cores only take turns, at the cost of memory. A resume keeps its
		// run's count (its snapshot is split by it).
		const maxWorkers = workers;
		let workersWhy: string | undefined;
		const cores = Math.max(1, availableParallelism());
		if (!previous && targetStore.capabilities.cpuBoundWrites && workers > cores) {
			workers = cores;
			workersWhy = 'one per CPU core writing the embedded store';
		}

		// A shard's identifiers: those of the list that fall in it, and a condition on the source's rows.
		const ids = idsFile ? (await readIdsFile(idsFile)).filter(id => !shard || inShard(id, shard)) : undefined;
		const where = withShard(filter, sourceGroup.RecordIdentifierFeatureName, shard);
		const request: SnapshotRequest = {
			mode: choice.mode, primary: choice.primary, ...(where ? {where} : {}), ...(ids ? {ids} : {}), ...(retryFailed ? {retryFailed} : {}), ...(shard ? {shard} : {}),
		};
		// A resume reads its run's snapshot: its rows are the count, nothing is listed or counted again.
		const taken = previous?.checkpoint.snapshot;
		const scannedBefore = sourceStore.scannedBytes();
		const estimated = taken ? (taken.kind === 'offline' ? taken.snapshot.rows : taken.rows) : await estimate(sourceStore, sourceGroup, lazyScratch, request);
		const scannedAfter = sourceStore.scannedBytes();
		const scanned = scannedBefore === undefined || scannedAfter === undefined || taken ? undefined : scannedAfter - scannedBefore;
		// What the target holds, and which of these rows are there already (migration/existing.ts).
		// A resume keeps its own accounting once its snapshot is taken; before, it compares as a new run would.
		// A retry sends exactly its file's records: nothing to compare.
		const holdings: TargetHoldings = retryFailed ? {} : await targetHoldings({store: targetStore, group: targetGroup});
		const skipExisting = previous ? previous.checkpoint.options.skipExisting !== false : options.skipExisting;
		if (taken) {
			if (previous?.checkpoint.existing) holdings.existing = previous.checkpoint.existing;
		} else if (!clearTarget && !retryFailed) {
			const sides = {source: {store: sourceStore, group: sourceGroup}, target: {store: targetStore, group: targetGroup}, compatibility};
			const compared = await compareWithTarget(sides, holdings, estimated, skipExisting,
				async except => estimate(sourceStore, sourceGroup, lazyScratch, {...request, except}), choice.primary === 'online');
			if (compared.existing) holdings.existing = compared.existing;
			if (compared.except) request.except = compared.except;
		}

		// How the offline history goes: copied by Athena, then only the winners online; or every row through the API.
		const runId = previous?.checkpoint.runId ?? newRunId();
		const server = await serverCopy({
			options, sourceStore, targetStore, sourceGroup, targetGroup, compatibility, request, resumed: previous?.checkpoint,
			eligible: choice.primary === 'offline' && choice.mode === 'history' && hasOfflineStore(targetGroup) && !retryFailed,
			idsFile, tag: `${runId}${shard ? `-shard-${shard.index}-of-${shard.count}` : ''}`,
		});
		if (server.copy) {
			request.mode = 'winners';
			if (server.residual) request.residual = server.residual;
		}

		const onlineRecords = server.copy ? await sourceStore.countOffline(sourceName, {mode: 'winners', where: request.where, ...(request.except ? {except: request.except} : {}), ...(server.residual ? {residual: server.residual} : {})}) : undefined;
		// What the workers write: the winners when the history went server-side, else the rows.
		const toWrite = onlineRecords ?? estimated - (holdings.existing?.skipped ? holdings.existing.rows : 0);

		// No more workers than batches: a thread with nothing to write costs its
		// start (a V8 isolate, the stores' clients) and brings nothing.
		const batches = Math.max(1, Math.ceil(toWrite / batchSize));
		if (!previous && workers > batches) {
			workers = batches;
			workersWhy = toWrite === 0 ? 'no record to write' : `no more than the ${batches === 1 ? 'one batch' : `${batches} batches`} of ${count(toWrite)} records to write`;
		}

		const plan = makePlan({
			source: sourceGroup, target: targetGroup, choice, estimatedRecords: estimated, batchSize, workers, ...(workers < maxWorkers ? {maxWorkers, workersWhy} : {}), filter, idsFile: idsFile ?? retryFailed, clearTarget, ...(retryFailed ? {} : {holdings}),
			...(shard ? {shard: shardLabel(shard)} : {}), ...(maxWriteRate ? {maxWriteRate} : {}),
			cost: await costEstimate(sourceStore, sourceGroup, request, compatibility, toWrite, maxWriteRate, scanned),
			...(server.plan ? {offlineCopy: server.plan} : {}), ...(onlineRecords === undefined ? {} : {onlineRecords}),
			sourceStore: describeStore(sourceStore), targetStore: describeStore(targetStore), compatibility,
		});
		// Shards started together in one directory must not share a file.
		const shardPart = shard ? `shard-${shard.index}-of-${shard.count}-` : '';
		const failedFile = path.resolve(cwd, options.failedOutput ?? previous?.checkpoint.failedFile ?? `fs-failed-${sourceName}-${shardPart}${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '')}.jsonl`);
		const checkpoint: Checkpoint = previous ? previous.checkpoint : {
			version: 1,
			runId,
			createdAt: new Date().toISOString(),
			updatedAt: new Date().toISOString(),
			status: 'running',
			source: {store: sourceHandle, group: sourceName},
			target: {store: targetHandle, group: targetName},
			options: {batchSize, workers, mode: choice.mode, ...(filter ? {filter} : {}), ...(idsFile ? {idsFile} : {}), ...(retryFailed ? {retryFailed} : {}), clearTarget, ...(skipExisting ? {} : {skipExisting: false}), ...(shard ? {shard: shardLabel(shard)} : {}), ...(maxWriteRate ? {maxWriteRate: writeRateLabel(maxWriteRate)} : {})},
			...(holdings.existing ? {existing: holdings.existing} : {}),
			...(server.copy ? {offlineCopy: {at: server.copy.at.toISOString(), tag: server.copy.tag, ...(server.copy.except ? {except: server.copy.except} : {})}} : {}),
			positions: Array.from({length: workers}, () => 0),
			failedFile,
			totals: {written: 0, failed: 0, deletes: 0},
		};
		const resuming = previous !== undefined;
		// A resume may send its failed records elsewhere (the first file's disk filled up, say).
		if (resuming && options.failedOutput !== undefined) checkpoint.failedFile = failedFile;
		// A resume whose snapshot is still to be taken counts what the target holds now.
		if (resuming && !taken) {
			if (holdings.existing) checkpoint.existing = holdings.existing;
			else delete checkpoint.existing;
		}
		if (resuming) {
			// The target may have saved a later position with the records themselves
			// than the checkpoint file got to record before the run died.
			for (const [partition, position] of checkpoint.positions.entries()) {
				const saved = await targetStore.readCheckpoint(`${checkpoint.runId}/${partition}`);
				if (saved !== undefined && saved > position) checkpoint.positions[partition] = saved;
			}
		}

		return {
			options,
			source: {store: sourceStore, handle: sourceHandle, group: sourceGroup},
			target: {store: targetStore, handle: targetHandle, group: targetGroup},
			plan, request, runDir: previous?.dir ?? path.join(pairDir, runId), checkpoint, resuming, warnings, ...(resumed ? {resumed} : {}),
			confirmation: confirmationFor(plan),
			storeNamed: stores.store !== undefined || env['FS_STORE'] !== undefined,
			program: programName(env),
			superseded,
			// Shards of one migration write one target side by side: each holds the lock of its shard.
			...(server.copy ? {copy: server.copy} : {}),
			lockFile: lockFileFor(shard ? `${targetIdentity}#shard ${shardLabel(shard)}` : targetIdentity, targetStore.info.sharedDir ?? path.join(fsHome(env), 'locks')),
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
async function estimate(store: Store, group: FeatureGroup, scratch: () => string, request: SnapshotRequest): Promise<number> {
	if (request.retryFailed) return countFailedLines(request.retryFailed, group);

	if (request.primary === 'online') {
		if (request.ids) return request.ids.length;
		const file = path.join(scratch(), 'ids.txt');
		request.listed = {file, rows: await listIdentifiersTo(store, group.FeatureGroupName, file, {shard: request.shard})};
		return request.listed.rows;
	}

	const except = request.except ? {except: request.except} : {};
	if (!request.ids) return store.countOffline(group.FeatureGroupName, {mode: request.mode, where: request.where, ...except});
	let total = 0;
	for (const where of idConditions(group, request.ids, request.where)) total += await store.countOffline(group.FeatureGroupName, {mode: request.mode, where, ...except});
	return total;
}

interface CopyChoice {
	options: MigrationOptions;
	sourceStore: Store;
	targetStore: Store;
	sourceGroup: FeatureGroup;
	targetGroup: FeatureGroup;
	compatibility: Compatibility;
	request: SnapshotRequest;
	/** The checkpoint of the run being resumed: it keeps the path it took. */
	resumed?: Checkpoint;
	/** A history from an offline store into one (not a retry). */
	eligible: boolean;
	idsFile?: string;
	tag: string;
}

/**
 * Whether the offline history is copied server-side (docs/server-copy.md):
 * by default wherever the source's query engine reaches the target's table
 * and writes it exactly as the API path would (values SQL cannot cast
 * exactly: their identifiers through the API); `--offline-copy api` sends
 * every row through the API, `--offline-copy server` insists (refused, with
 * why, where it cannot). A resumed run keeps its path.
 */
async function serverCopy(choice: CopyChoice): Promise<{copy?: OfflineCopy; plan?: Plan['offlineCopy']; residual?: string}> {
	const {options, sourceStore, targetStore, sourceGroup, targetGroup, compatibility, request, resumed} = choice;
	const asked = options.offlineCopy;
	if (!choice.eligible || !sourceStore.capabilities.serverCopy || !sourceStore.copyOffline) {
		if (asked === 'server') {
			throw usageError(
				choice.eligible ? 'Only the service\'s Athena copies an offline history server-side; the embedded store loads it in bulk already.' : `--offline-copy server copies a history into an offline store: ${sourceGroup.FeatureGroupName} → ${targetGroup.FeatureGroupName} is not one (or this is a --retry-failed run).`,
				'Drop --offline-copy.',
			);
		}

		return {};
	}

	const features = compatibility.actions.flatMap(action => (action.target && (action.kind === 'copy' || action.kind === 'cast' || action.kind === 'empty')
		? [{target: action.target, ...(action.kind === 'empty' || !action.source ? {} : {source: action.source})}] : []));
	const at = resumed?.offlineCopy ? new Date(resumed.offlineCopy.at) : new Date();
	// The rows the target held when the run was planned stay out, on a resume too (the comparison is not made again once the run started).
	const except = resumed?.offlineCopy ? resumed.offlineCopy.except : request.except;
	const copy: OfflineCopy = {
		source: sourceGroup, target: targetGroup, features, at, tag: resumed?.offlineCopy?.tag ?? choice.tag,
		...(request.where ? {where: request.where} : {}), ...(except ? {except} : {}),
	};
	// Identifiers with a value SQL cannot cast exactly go through the API whole.
	const residual = sourceStore.offlineCopyResidual?.(copy);
	const chosen = {copy, plan: {path: 'server' as const, ...(residual ? {residual: true} : {})}, ...(residual ? {residual} : {})};
	if (resumed) return resumed.offlineCopy ? chosen : {plan: {path: 'api', why: 'as the run began'}};
	if (asked === 'api') return {plan: {path: 'api', why: '--offline-copy api'}};
	const location = await targetStore.offlineLocation(targetGroup);
	const why = choice.idsFile ? 'the rows of an --ids-file are read through the API'
			: !location || !sourceStore.reaches(location) ? 'the source\'s Athena does not reach the target\'s table (another account, region or endpoint)'
				: sourceStore.offlineCopyProblem?.(copy);
	if (why === undefined) return chosen;
	if (asked !== 'server') return {plan: {path: 'api', why}};
	throw usageError(`--offline-copy server cannot copy ${sourceGroup.FeatureGroupName} into ${targetGroup.FeatureGroupName} server-side: ${why}.`, 'Drop --offline-copy (every row then goes through the API).');
}
