/**
 * DuckDB result types and values as Athena (Trino) reports them: the type
 * names of ResultSetMetadata.ColumnInfo, and values as text the way Athena
 * writes them in its CSV and in GetQueryResults (timestamps with
 * milliseconds, doubles as Java prints them, arrays as `[a, b]`).
 */
import type {DuckDBType, DuckDBValue} from '@duckdb/node-api';
import {requirePackage} from '../io/cjs.js';

const {DuckDBTypeId} = requirePackage<typeof import('@duckdb/node-api')>('@duckdb/node-api');

export interface AthenaColumn {
	CatalogName: string;
	SchemaName: string;
	TableName: string;
	Name: string;
	Label: string;
	Type: string;
	Precision: number;
	Scale: number;
	Nullable: 'UNKNOWN';
	CaseSensitive: boolean;
}

export function athenaColumn(name: string, type: DuckDBType): AthenaColumn {
	const [athenaType, precision, scale] = typeOf(type);
	return {
		CatalogName: 'hive', SchemaName: '', TableName: '', Name: name, Label: name, Type: athenaType,
		Precision: precision, Scale: scale, Nullable: 'UNKNOWN', CaseSensitive: athenaType === 'varchar',
	};
}

/** Athena's type name, precision and scale. */
function typeOf(type: DuckDBType): [string, number, number] {
	switch (type.typeId) {
		case DuckDBTypeId.BOOLEAN: return ['boolean', 0, 0];
		case DuckDBTypeId.TINYINT: return ['tinyint', 3, 0];
		case DuckDBTypeId.SMALLINT: case DuckDBTypeId.UTINYINT: return ['smallint', 5, 0];
		case DuckDBTypeId.INTEGER: case DuckDBTypeId.USMALLINT: return ['integer', 10, 0];
		// DuckDB's sum() of BIGINT is HUGEINT; Athena's is bigint.
		case DuckDBTypeId.BIGINT: case DuckDBTypeId.UINTEGER: case DuckDBTypeId.UBIGINT: case DuckDBTypeId.HUGEINT: case DuckDBTypeId.UHUGEINT: return ['bigint', 19, 0];
		case DuckDBTypeId.FLOAT: return ['float', 17, 0];
		case DuckDBTypeId.DOUBLE: return ['double', 17, 0];
		case DuckDBTypeId.DECIMAL: return ['decimal', type.width, type.scale];
		case DuckDBTypeId.DATE: return ['date', 0, 0];
		case DuckDBTypeId.TIME: case DuckDBTypeId.TIME_NS: return ['time', 3, 0];
		case DuckDBTypeId.TIME_TZ: return ['time with time zone', 3, 0];
		case DuckDBTypeId.TIMESTAMP: case DuckDBTypeId.TIMESTAMP_S: case DuckDBTypeId.TIMESTAMP_MS: case DuckDBTypeId.TIMESTAMP_NS: return ['timestamp', 3, 0];
		case DuckDBTypeId.TIMESTAMP_TZ: return ['timestamp with time zone', 3, 0];
		case DuckDBTypeId.INTERVAL: return ['interval day to second', 0, 0];
		case DuckDBTypeId.LIST: case DuckDBTypeId.ARRAY: return ['array', 0, 0];
		case DuckDBTypeId.MAP: return ['map', 0, 0];
		case DuckDBTypeId.STRUCT: return ['row', 0, 0];
		case DuckDBTypeId.BLOB: return ['varbinary', 2_147_483_647, 0];
		case DuckDBTypeId.UUID: return ['uuid', 0, 0];
		default: return ['varchar', 2_147_483_647, 0];
	}
}

/** A value as Athena's text; null stays null (the CSV's empty unquoted field). */
export function formatValue(value: DuckDBValue, type: DuckDBType): string | null {
	if (value === null) return null;
	switch (type.typeId) {
		case DuckDBTypeId.DOUBLE: return javaDouble(value as number);
		case DuckDBTypeId.FLOAT: return javaDouble(value as number, true);
		case DuckDBTypeId.TIMESTAMP: case DuckDBTypeId.TIMESTAMP_TZ: {
			const text = timestamp((value as {micros: bigint}).micros / 1000n);
			return type.typeId === DuckDBTypeId.TIMESTAMP_TZ ? `${text} UTC` : text;
		}

		case DuckDBTypeId.TIMESTAMP_S: return timestamp((value as {seconds: bigint}).seconds * 1000n);
		case DuckDBTypeId.TIMESTAMP_MS: return timestamp((value as {millis: bigint}).millis);
		case DuckDBTypeId.TIMESTAMP_NS: return timestamp((value as {nanos: bigint}).nanos / 1_000_000n);
		case DuckDBTypeId.LIST: case DuckDBTypeId.ARRAY: {
			const items = (value as {items: readonly DuckDBValue[]}).items;
			return `[${items.map(item => formatValue(item, type.valueType) ?? 'null').join(', ')}]`;
		}

		case DuckDBTypeId.MAP: {
			const entries = (value as {entries: Array<{key: DuckDBValue; value: DuckDBValue}>}).entries;
			return `{${entries.map(entry => `${formatValue(entry.key, type.keyType)}=${formatValue(entry.value, type.valueType) ?? 'null'}`).join(', ')}}`;
		}

		case DuckDBTypeId.STRUCT: {
			const entries = (value as {entries: Record<string, DuckDBValue>}).entries;
			return `{${type.entryNames.map((name, index) => `${name}=${formatValue(entries[name] ?? null, type.entryTypes[index]!) ?? 'null'}`).join(', ')}}`;
		}

		default: return String(value);
	}
}

/** `2024-01-01 00:00:00.000`: Athena's timestamp(3), in UTC. */
function timestamp(millis: bigint): string {
	const date = new Date(Number(millis));
	if (Number.isNaN(date.getTime())) return String(millis);
	return date.toISOString().replace('T', ' ').replace('Z', '').replace(/^\+0*/, '');
}

/**
 * Java's Double.toString (and Float's), which Athena uses: plain decimals
 * from 10^-3 to 10^7 with at least one fractional digit, else `1.5E-7`.
 * JavaScript's shortest round-trip digits are the same digits.
 */
export function javaDouble(value: number, float = false): string {
	if (Number.isNaN(value)) return 'NaN';
	if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
	if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
	const digits = float ? shortestFloat(value) : value;
	const magnitude = Math.abs(digits);
	if (magnitude >= 1e-3 && magnitude < 1e7) {
		const text = String(digits);
		return text.includes('.') ? text : `${text}.0`;
	}

	const [mantissa, exponent] = digits.toExponential().split('e') as [string, string];
	return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** The shortest decimal that reads back as the same 32-bit float. */
function shortestFloat(value: number): number {
	for (let precision = 1; precision <= 9; precision++) {
		const candidate = Number(value.toPrecision(precision));
		if (Math.fround(candidate) === Math.fround(value)) return candidate;
	}

	return value;
}
