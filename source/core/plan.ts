/**
 * The migration plan: strategy by the compatibility matrix (readme:
 * `fs migrate`, Strategy), and the plan as the original tool printed it (its
 * fields, in its order) and as JSON.
 */
import {usageError} from './errors.js';
import {count, duration} from './format.js';
import type {Compatibility} from './compat.js';
import {writeRateLabel, type CostEstimate, type WriteRate} from './cost.js';
import {hasOfflineStore, hasOnlineStore, storesOf, type FeatureGroup} from './types.js';

export type Mode = 'history' | 'snapshot';
export type Primary = 'offline' | 'online';
export type Strategy = 'offline_to_online' | 'offline_to_offline' | 'online_to_online' | 'online_to_offline';

export interface StrategyChoice {
	strategy: Strategy;
	primary: Primary;
	mode: Mode;
}

/**
 * Source online-only: a snapshot of its current records (ListRecords +
 * BatchGetRecord). Source with an offline store: full history into a target
 * with an offline store, the latest snapshot into an online-only target.
 */
export function chooseStrategy(source: FeatureGroup, target: FeatureGroup, requested: {mode?: Mode; filter?: string}): StrategyChoice {
	const to = hasOnlineStore(target) ? 'online' : 'offline';
	if (!hasOfflineStore(source)) {
		if (requested.mode === 'history') {
			throw usageError(`${source.FeatureGroupName} has no offline store, so it has no history to replay.`, 'Drop --mode history: an online-only source is copied as a snapshot of its current records.');
		}

		if (requested.filter) {
			throw usageError(
				`--filter-query applies to offline stores, and ${source.FeatureGroupName} is online only.`,
				'To copy chosen records of an online-only group, list their identifiers in a file and pass --ids-file FILE.',
			);
		}

		return {strategy: `online_to_${to}`, primary: 'online', mode: 'snapshot'};
	}

	const mode = requested.mode ?? (hasOfflineStore(target) ? 'history' : 'snapshot');
	return {strategy: `offline_to_${to}`, primary: 'offline', mode};
}

export interface Plan extends StrategyChoice {
	source: string;
	sourceStores: string;
	target: string;
	targetStores: string;
	estimatedRecords: number;
	batchSize: number;
	workers: number;
	/** --max-workers when fewer workers run, and why (`workersWhy`). */
	maxWorkers?: number;
	workersWhy?: string;
	filter?: string;
	idsFile?: string;
	/** K/N: only the identifiers of this shard (core/shard.ts). */
	shard?: string;
	/** Writes paced to this rate across all workers (--max-write-rate). */
	maxWriteRate?: WriteRate;
	/** What the writes cost: write units, Athena's scan, time at the rate (core/cost.ts). */
	cost?: CostEstimate;
	/**
	 * How the offline history goes: copied by Athena (server), then only each
	 * identifier's latest record written online (`onlineRecords` of them); or
	 * every row through the API, and why (docs/server-copy.md).
	 */
	offlineCopy?: {path: 'server' | 'api'; why?: string; residual?: boolean};
	onlineRecords?: number;
	clearTarget: boolean;
	/** "local (/path)" or "sagemaker us-east-1 account 123…", per side. */
	sourceStore: string;
	targetStore: string;
	compatibility: Compatibility;
	/** What the target holds, and which of the rows to copy it has already (migration/existing.ts). */
	holdings?: TargetHoldings;
}

export interface PlanInput extends Pick<Plan, 'estimatedRecords' | 'batchSize' | 'workers' | 'maxWorkers' | 'workersWhy' | 'filter' | 'idsFile' | 'shard' | 'maxWriteRate' | 'cost' | 'offlineCopy' | 'onlineRecords' | 'clearTarget' | 'sourceStore' | 'targetStore' | 'compatibility' | 'holdings'> {
	source: FeatureGroup;
	target: FeatureGroup;
	choice: StrategyChoice;
}

export function makePlan(input: PlanInput): Plan {
	return {
		...input.choice,
		source: input.source.FeatureGroupName,
		sourceStores: storesOf(input.source),
		target: input.target.FeatureGroupName,
		targetStores: storesOf(input.target),
		estimatedRecords: input.estimatedRecords,
		batchSize: input.batchSize,
		workers: input.workers,
		...(input.maxWorkers ? {maxWorkers: input.maxWorkers, ...(input.workersWhy ? {workersWhy: input.workersWhy} : {})} : {}),
		...(input.filter ? {filter: input.filter} : {}),
		...(input.idsFile ? {idsFile: input.idsFile} : {}),
		...(input.shard ? {shard: input.shard} : {}),
		...(input.maxWriteRate ? {maxWriteRate: input.maxWriteRate} : {}),
		...(input.cost ? {cost: input.cost} : {}),
		...(input.offlineCopy ? {offlineCopy: input.offlineCopy} : {}),
		...(input.onlineRecords === undefined ? {} : {onlineRecords: input.onlineRecords}),
		clearTarget: input.clearTarget,
		sourceStore: input.sourceStore,
		targetStore: input.targetStore,
		compatibility: input.compatibility,
		...(input.holdings ? {holdings: input.holdings} : {}),
	};
}

/** Of the rows to copy, those the target holds already: how many, compared where, and whether they are skipped. */
export interface ExistingCount {
	rows: number;
	engine: 'DuckDB' | 'Athena';
	seconds: number;
	skipped: boolean;
}

export interface TargetHoldings {
	/** Online records (undefined: not counted, as on the service). */
	onlineRecords?: number;
	/** Offline rows (undefined: the target has no offline store). */
	offlineRows?: number;
	existing?: ExistingCount;
}

/** The plan's lines on the target's holdings. */
export function holdingsLines(holdings: TargetHoldings, estimated: number, cleared = false, compact = false): string[] {
	const held = [
		holdings.offlineRows === undefined ? '' : `${count(holdings.offlineRows)} offline rows`,
		holdings.onlineRecords === undefined ? '' : `${count(holdings.onlineRecords)} online${compact ? '' : ' records'}`,
	].filter(Boolean);
	const lines = [`Target holds: ${held.length === 0 ? 'online records (not counted on the service)' : held.join(' · ')}${cleared ? ' (deleted first)' : ''}`];
	const {existing} = holdings;
	if (existing) {
		const rows = existing.rows === 0 ? 'none' : count(existing.rows);
		const what = existing.rows === 0 ? '' : existing.skipped ? ': skipped' : compact ? ': copied again' : ': copied again (--no-skip-existing)';
		const how = `${existing.engine}${compact ? ',' : ' in'} ${existing.seconds.toFixed(1)}s`;
		lines.push(compact
			? `Already there: ${rows} of ${count(estimated)} (${how})${what}`
			: `Already in the target: ${rows} of the ${count(estimated)} rows (same identifier, event time and values; compared by ${how})${what}`);
	}

	return lines;
}

/** The plan's lines on how the offline history goes (docs/server-copy.md). */
export function copyLines(plan: Plan, compact = false): string[] {
	const copy = plan.offlineCopy;
	if (!copy) return [];
	if (copy.path === 'api') {
		if (!copy.why) return ['Offline: through the API'];
		// On the guided review a line is cut at the width: the reason gets its own.
		return compact ? ['Offline: through the API, because', `  ${copy.why}`] : [`Offline: through the API (${copy.why})`];
	}

	if (copy.residual) {
		return compact
			? [
				'Offline: copied by Athena (server-side), except identifiers',
				'  with values SQL cannot cast exactly: all their rows go through the API',
				`Through the API: ${count(plan.onlineRecords ?? 0)} records (those, and each other latest)`,
			]
			: [
				'Offline: copied by Athena (server-side), except the identifiers with a value SQL cannot cast exactly: all their rows go through the API, cast by fs',
				`Through the API: ${count(plan.onlineRecords ?? 0)} records: those rows, and the latest record of every other identifier (online only)`,
			];
	}

	return [
		`Offline: copied by Athena (server-side)${compact ? '' : ': no row passes through fs'}`,
		`Online: the latest record of each of ${count(plan.onlineRecords ?? 0)} identifiers${compact ? '' : ' (TargetStores=OnlineStore)'}`,
	];
}

/** The plan's lines on what the writes cost (docs/cost.md). */
export function costLines(plan: Plan, compact = false): string[] {
	const {cost} = plan;
	if (!cost) return [];
	const sampled = cost.sampled === 0 ? 'sizes not sampled: one unit a record at least' : cost.sampled >= plan.estimatedRecords
		? `every record measured, ${kilobytes(cost.averageBytes)} on average`
		: `${count(cost.sampled)} records sampled, ${kilobytes(cost.averageBytes)} on average`;
	const lines = [`Write units: ${cost.sampled >= plan.estimatedRecords ? '' : '~'}${count(cost.writeUnits)}${compact ? '' : ` (${sampled})`}`];
	if (cost.scannedBytes !== undefined) lines[0] += ` · Athena scanned ${megabytes(cost.scannedBytes)} to count${compact ? '' : ' (the snapshot scans about as much again)'}`;
	lines.push(cost.rate && cost.seconds !== undefined
		? `Write rate: at most ${count(cost.rate.perSecond)} ${cost.rate.unit}/s (--max-write-rate ${writeRateLabel(cost.rate)}): ~${duration(Math.ceil(cost.seconds))}`
		: `Write rate: not limited (${compact ? '' : 'calls in flight adapt to throttling; '}--max-write-rate N caps it)`);
	return lines;
}

const kilobytes = (bytes: number) => `${(bytes / 1024).toFixed(bytes < 10_240 ? 2 : 0)} KB`;
const megabytes = (bytes: number) => (bytes < 1024 * 1024 ? `${count(bytes)} bytes` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

/** Emoji in headings, unless the user asked for plain output (NO_COLOR, --no-color). */
export interface PlanText {
	emoji?: boolean;
}

/** The plan as the seed prints it, plus our fields when present. */
export function planLines(plan: Plan, {emoji = true}: PlanText = {}): string[] {
	const lines = [
		`${emoji ? '📋 ' : ''}Migration plan`,
		'='.repeat(60),
		`Source: ${plan.source} (${plan.sourceStores})`,
		`Target: ${plan.target} (${plan.targetStores})`,
		`Strategy: ${plan.strategy}`,
		`Primary data source: ${plan.primary}`,
		`Estimated records: ${count(plan.estimatedRecords)}`,
		`Batch size: ${plan.batchSize}`,
		`Workers: ${plan.workers}${plan.maxWorkers ? ` (--max-workers ${plan.maxWorkers}${plan.workersWhy ? `; ${plan.workersWhy}` : ''})` : ''}`,
		`Mode: ${plan.mode}${plan.mode === 'history' ? ' (every version, deletes replayed)' : ' (latest record per identifier)'}`,
	];
	if (plan.filter) lines.push(`Filter: WHERE ${plan.filter}`);
	if (plan.idsFile) lines.push(`Record identifiers from: ${plan.idsFile}`);
	if (plan.shard) lines.push(`Shard: ${plan.shard} (the identifiers whose hash falls in it; the other shards run on their own)`);
	if (plan.clearTarget) lines.push(`Target data will be deleted first (${plan.target}: online records and its own offline data)`);
	if (plan.holdings) lines.push(...holdingsLines(plan.holdings, plan.estimatedRecords, plan.clearTarget));
	lines.push(...copyLines(plan));
	lines.push(...costLines(plan));
	lines.push(plan.sourceStore === plan.targetStore ? `Store: ${plan.sourceStore}` : `Source store: ${plan.sourceStore}`, ...(plan.sourceStore === plan.targetStore ? [] : [`Target store: ${plan.targetStore}`]));
	return lines;
}

/** The plan in the compact form, for the guided migration at 80×24. */
export function compactPlanLines(plan: Plan, {emoji = true}: PlanText = {}): string[] {
	const lines = [
		`${emoji ? '📋 ' : ''}Migration plan`,
		`Source: ${plan.source} (${plan.sourceStores})`,
		`Target: ${plan.target} (${plan.targetStores})`,
		`Strategy: ${plan.strategy} · mode ${plan.mode}`,
		`Primary data source: ${plan.primary}`,
		`Estimated records: ${count(plan.estimatedRecords)}`,
		`Batch size: ${plan.batchSize} · Workers: ${plan.workers}${plan.maxWorkers ? ` of ${plan.maxWorkers}` : ''} · Filter: ${plan.filter ? `WHERE ${plan.filter}` : 'none'} · Clear target: ${plan.clearTarget ? 'yes' : 'no'}`,
	];
	if (plan.holdings) lines.push(...holdingsLines(plan.holdings, plan.estimatedRecords, plan.clearTarget, true));
	lines.push(...copyLines(plan, true));
	lines.push(...costLines(plan, true));
	if (plan.sourceStore !== plan.targetStore) lines.push(`Stores: ${plan.sourceStore} → ${plan.targetStore}`);
	return lines;
}

/** The plan for --json: the same fields, machine-readable. */
export function planJson(plan: Plan) {
	const {compatibility, ...rest} = plan;
	return {
		...rest,
		schema: {
			features: compatibility.actions.map(action => ({
				name: action.name,
				action: action.kind,
				...(action.source ? {sourceType: action.source.FeatureType} : {}),
				...(action.target ? {targetType: action.target.FeatureType} : {}),
				...(action.role ? {role: action.role} : {}),
				note: action.note,
			})),
			totals: compatibility.totals,
			warnings: compatibility.warnings,
			errors: compatibility.errors,
		},
	};
}
