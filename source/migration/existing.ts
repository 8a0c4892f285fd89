/**
 * What a migration's target holds already, and which of the rows to copy
 * are among it (docs/existing-rows.md): counted where the rows are (DuckDB
 * over the embedded store's Parquet, Athena over the service's tables), never
 * record by record through this machine. By default those rows are left out
 * of the snapshot and counted as skipped, so a run again (or an incremental
 * one) never doubles the target's offline history.
 */
import type {Compatibility} from '../core/compat.js';
import {usageError} from '../core/errors.js';
import {count} from '../core/format.js';
import type {ExistingCount, TargetHoldings} from '../core/plan.js';
import {hasOfflineStore, type FeatureGroup} from '../core/types.js';
import type {ExistingRows, Store} from '../stores/store.js';

interface Sides {
	source: {store: Store; group: FeatureGroup};
	target: {store: Store; group: FeatureGroup};
	compatibility: Compatibility;
}

/** The comparison's terms: each target feature and the source feature it is written from. */
export function comparedFeatures(compatibility: Compatibility): Pick<ExistingRows, 'pairs' | 'empty'> {
	const pairs = compatibility.actions.filter(action => (action.kind === 'copy' || action.kind === 'cast') && action.source && action.target)
		.map(action => ({source: action.source!, target: action.target!}));
	const empty = compatibility.actions.filter(action => action.kind === 'empty' && action.target).map(action => action.target!);
	return {pairs, empty};
}

/** What the target holds: its online records (where counted at no cost) and offline rows. */
export async function targetHoldings({store, group}: Sides['target']): Promise<TargetHoldings> {
	const onlineRecords = await store.countOnline(group.FeatureGroupName);
	const offlineRows = hasOfflineStore(group) ? await store.countOffline(group.FeatureGroupName, {mode: 'history'}) : undefined;
	return {...(onlineRecords === undefined ? {} : {onlineRecords}), ...(offlineRows === undefined ? {} : {offlineRows})};
}

/**
 * The rows of a run whose target holds offline rows: which of the `estimated`
 * rows are there already (`remaining` counts the rest with the comparison
 * applied): their count, and the comparison for the snapshot when they are
 * to be skipped. Where the rows cannot be compared (the sides are in different
 * stores, or the source is read from its online store) a run that would
 * double them is refused unless the operator says so.
 */
export async function compareWithTarget(
	sides: Sides, holdings: TargetHoldings, estimated: number, skip: boolean,
	remaining: (except: ExistingRows) => Promise<number>, readsOnline: boolean,
): Promise<{existing?: ExistingCount; except?: ExistingRows}> {
	const {source, target} = sides;
	if (!holdings.offlineRows) return {};
	const location = readsOnline ? undefined : await target.store.offlineLocation(target.group);
	if (!location || !source.store.reaches(location)) {
		if (!skip) return {};
		const why = readsOnline ? `${source.group.FeatureGroupName} is read from its online store` : 'the source and the target are in different stores, which one query engine cannot join';
		throw usageError(
			`${target.group.FeatureGroupName} holds ${count(holdings.offlineRows)} offline rows already, and this run cannot tell which of its rows are among them (${why}): it could copy them again.`,
			'Pass --clear-target to replace the target\'s data, or --no-skip-existing to copy every row anyway.',
			'TargetNotEmpty',
		);
	}

	const except: ExistingRows = {at: location, ...comparedFeatures(sides.compatibility)};
	const started = Date.now();
	const rows = estimated - await remaining(except);
	const existing: ExistingCount = {rows, engine: location.engine === 'duckdb' ? 'DuckDB' : 'Athena', seconds: (Date.now() - started) / 1000, skipped: skip};
	return skip && rows > 0 ? {existing, except} : {existing};
}
