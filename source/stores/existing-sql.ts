/**
 * The rows a migration's target already holds, as SQL both query engines
 * run (DuckDB over the embedded store's Parquet, Athena over Glue tables):
 * the condition that a target row `t` is the source row `s` as the migration
 * would write it (docs/existing-rows.md).
 */
import type {FeatureDefinition} from '../core/types.js';
import type {ExistingRows} from './store.js';

export interface SqlDialect {
	/** A quoted identifier. */
	name: (name: string) => string;
	/** A feature's column type (collections as lists). */
	type: (feature: FeatureDefinition) => string;
}

/**
 * `t` holds `s` already: the same deletion, every paired feature equal (NULL
 * to NULL; the source's value cast to the target's type, a value that does
 * not cast never equal), and the features the migration leaves empty empty.
 */
const fractionalAsText = (source: FeatureDefinition, target: FeatureDefinition) => !source.CollectionType && !target.CollectionType && source.FeatureType === 'Fractional' && target.FeatureType === 'String';

/**
 * A double as the text fs writes for it into a String feature (JavaScript's
 * form: `1`, not SQL's `1.0`), for whole numbers; others as SQL prints them
 * (the same for most, e.g. `2.5`; a row whose text differs is copied again
 * rather than wrongly skipped).
 */
const fractionalText = (value: string) => `CASE WHEN ${value} = floor(${value}) AND abs(${value}) < 1e15 THEN CAST(CAST(${value} AS BIGINT) AS VARCHAR) ELSE CAST(${value} AS VARCHAR) END`;

export function sameRowCondition(except: ExistingRows, s: string, t: string, dialect: SqlDialect): string {
	const column = (alias: string, name: string) => `${alias}.${dialect.name(name)}`;
	const conditions = [`${column(t, 'is_deleted')} = ${column(s, 'is_deleted')}`];
	for (const {source, target} of except.pairs) {
		const value = column(s, source.FeatureName);
		const same = source.FeatureType === target.FeatureType && Boolean(source.CollectionType) === Boolean(target.CollectionType);
		const cast = same ? value : fractionalAsText(source, target) ? fractionalText(value) : `TRY_CAST(${value} AS ${dialect.type(target)})`;
		conditions.push(`${column(t, target.FeatureName)} IS NOT DISTINCT FROM ${cast}`);
		// A value that does not cast is NULL: it must not meet an empty target value.
		if (!same) conditions.push(`(${value} IS NULL) = (${column(t, target.FeatureName)} IS NULL)`);
	}

	for (const feature of except.empty) conditions.push(`${column(t, feature.FeatureName)} IS NULL`);
	return conditions.join(' AND ');
}
