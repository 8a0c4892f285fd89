/**
 * What a migration costs the target's account before it runs (docs/cost.md):
 * write units, Athena's bytes scanned, and how long the writes take at a
 * chosen rate; and the rate itself (--max-write-rate).
 *
 * A write request unit (WRU) is billed per record written: the record's size
 * in started KB (1,024 bytes), at least one, deletes included. A record's
 * size is the UTF-8 bytes of its feature names and values.
 */
import {usageError} from './errors.js';
import type {FsRecord} from './types.js';

export const writeUnitBytes = 1024;

/** A record's size as write units count it: every feature's name and value, in UTF-8 bytes. */
export function recordBytes(record: FsRecord): number {
	let bytes = 0;
	for (const [name, value] of Object.entries(record)) {
		if (value === undefined || value === null) continue;
		bytes += Buffer.byteLength(name);
		if (Array.isArray(value)) for (const element of value) bytes += Buffer.byteLength(element);
		else bytes += Buffer.byteLength(value);
	}

	return bytes;
}

/** Write units of one record of `bytes`: started KB, at least one. */
export const writeUnitsOf = (bytes: number) => Math.max(1, Math.ceil(bytes / writeUnitBytes));

export const recordWriteUnits = (record: FsRecord) => writeUnitsOf(recordBytes(record));

/** --max-write-rate: records per second across all workers, or write units per second (`500wu`). */
export interface WriteRate {
	perSecond: number;
	unit: 'records' | 'write units';
}

export const writeRateLabel = (rate: WriteRate) => (rate.unit === 'records' ? String(rate.perSecond) : `${rate.perSecond}wu`);

export function parseWriteRate(text: string): WriteRate {
	const match = /^\s*(\d+(?:\.\d+)?)\s*(wu)?\s*$/i.exec(text);
	const perSecond = Number(match?.[1]);
	if (!match || !(perSecond > 0) || perSecond > 1_000_000) {
		throw usageError(
			`--max-write-rate must be a number of records per second (e.g. 2000) or of write units per second (e.g. 5000wu), above 0 and at most 1,000,000, got ${JSON.stringify(text)}.`,
			'Pass e.g. --max-write-rate 2000 to leave room for other writers under the account\'s quota.',
		);
	}

	return {perSecond, unit: match[2] ? 'write units' : 'records'};
}

/** The plan's estimate of what the writes cost (Plan.cost). */
export interface CostEstimate {
	/** Write units the run is billed: records × the sample's average units per record (exact when every record was sampled). */
	writeUnits: number;
	/** Records whose size was measured, and their average size. */
	sampled: number;
	averageBytes: number;
	/** Bytes Athena scanned to count the rows (the snapshot scans about as much again); undefined: not Athena. */
	scannedBytes?: number;
	/** Seconds the writes take at --max-write-rate (undefined: no rate given). */
	seconds?: number;
	rate?: WriteRate;
}

/**
 * The estimate for `records` from a sample of their sizes: write units as the
 * sample's average per record times the count (rounded up), and the time at
 * `rate` when one is set.
 */
export function estimateCost(records: number, sampleBytes: number[], rate?: WriteRate, scannedBytes?: number): CostEstimate {
	const sampled = sampleBytes.length;
	const units = sampleBytes.reduce((sum, bytes) => sum + writeUnitsOf(bytes), 0);
	// Exact when the sample is every record; else scaled (and at least one unit a record).
	const writeUnits = records === 0 ? 0 : sampled === records ? units : sampled === 0 ? records : Math.ceil(units / sampled * records);
	const estimate: CostEstimate = {writeUnits, sampled, averageBytes: sampled === 0 ? 0 : Math.round(sampleBytes.reduce((a, b) => a + b, 0) / sampled)};
	if (scannedBytes !== undefined) estimate.scannedBytes = scannedBytes;
	if (rate) {
		estimate.rate = rate;
		estimate.seconds = (rate.unit === 'records' ? records : writeUnits) / rate.perSecond;
	}

	return estimate;
}
