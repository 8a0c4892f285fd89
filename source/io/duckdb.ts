/** SQL helpers shared by the offline store and the Parquet writer. */
import type {FeatureDefinition} from '../core/types.js';

export const sqlString = (text: string) => `'${text.replaceAll('\'', '\'\'')}'`;
export const sqlName = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The Parquet/DuckDB column type of a feature (Athena's type in the Glue table). */
export function duckType(feature: FeatureDefinition): string {
	const scalar = {Integral: 'BIGINT', Fractional: 'DOUBLE', String: 'VARCHAR'}[feature.FeatureType];
	return feature.CollectionType ? `${scalar}[]` : scalar;
}

/** SQL turning a VARCHAR column holding the API's value text into the feature's type. */
export function castFromText(feature: FeatureDefinition, column = sqlName(feature.FeatureName)): string {
	if (feature.CollectionType) return `from_json(${column}, '[${JSON.stringify(duckType(feature).replace('[]', ''))}]')`;
	if (feature.FeatureType === 'String') return column;
	return `CAST(${column} AS ${duckType(feature)})`;
}

/** Collections travel to DuckDB as JSON text; numbers unquoted so BIGINTs stay exact. */
export function collectionJson(feature: FeatureDefinition, values: string[]): string {
	return feature.FeatureType === 'String' ? JSON.stringify(values) : `[${values.join(',')}]`;
}

/**
 * DuckDB's memory limit for one use: FS_DUCKDB_MEMORY when set (the one
 * setting a user has when DuckDB runs out of memory), else `fallback`.
 */
export const duckdbMemory = (fallback: string): string => process.env['FS_DUCKDB_MEMORY'] ?? fallback;

type DuckDBModule = typeof import('@duckdb/node-api');
let duckdb: Promise<DuckDBModule> | undefined;

/** DuckDB loaded on first use: its native library costs a third of a second at startup. */
export const loadDuckDB = (): Promise<DuckDBModule> => (duckdb ??= import('@duckdb/node-api'));
