/**
 * The plan's cost estimate (core/cost.ts, docs/cost.md): the sizes of a
 * sample of the records to write, as the target will get them (only the
 * features it keeps, under its names), and the bytes Athena scanned to
 * count them.
 */
import {createReadStream} from 'node:fs';
import {createInterface} from 'node:readline';
import type {Compatibility} from '../core/compat.js';
import {estimateCost, recordBytes, type CostEstimate, type WriteRate} from '../core/cost.js';
import type {FeatureGroup, FsRecord} from '../core/types.js';
import {wireRows, type SnapshotRequest} from '../engine/source.js';
import type {Store} from '../stores/store.js';

/** Records whose size is measured: enough for a steady average, one cheap read. */
export const sampleSize = 1000;

export async function costEstimate(
	store: Store, group: FeatureGroup, request: SnapshotRequest, compatibility: Compatibility,
	records: number, rate: WriteRate | undefined, scannedBytes: number | undefined,
): Promise<CostEstimate> {
	// An estimate never stops a run: a sample that cannot be read (DuckDB short of memory, a query refused) leaves the sizes unmeasured, and the plan says so.
	// A bug in fs is no such case: it is reported as one.
	const sizes = records === 0 ? [] : await sampleSizes(store, group, request, compatibility).catch((error: unknown) => {
		if (isBug(error)) throw error;
		return [];
	});
	return estimateCost(records, sizes.slice(0, records), rate, scannedBytes);
}

/** Errors of the code itself, not of what it reads: never hidden behind "not sampled". */
const isBug = (error: unknown) => error instanceof TypeError || error instanceof ReferenceError || error instanceof SyntaxError || error instanceof RangeError;

async function sampleSizes(store: Store, group: FeatureGroup, request: SnapshotRequest, compatibility: Compatibility): Promise<number[]> {
	const kept = new Map<string, string>();
	for (const action of compatibility.actions) {
		if ((action.kind === 'copy' || action.kind === 'cast') && action.source && action.target) kept.set(action.source.FeatureName, action.target.FeatureName);
	}

	const size = (record: FsRecord) => {
		const target: FsRecord = {};
		for (const [name, value] of Object.entries(record)) {
			const to = kept.get(name);
			if (to !== undefined) target[to] = value;
		}

		return recordBytes(target);
	};

	// A failed-records file is sent as it is: its first records.
	if (request.retryFailed) return [];
	const name = group.FeatureGroupName;
	if (request.primary === 'online') {
		const ids = request.ids ?? (request.listed ? await firstLines(request.listed.file, store.limits.batchGet) : []);
		if (ids.length === 0) return [];
		const result = await store.batchGet(name, ids.slice(0, store.limits.batchGet));
		return result.records.map(found => size(found.Record));
	}

	const sizes: number[] = [];
	for await (const batch of store.readOffline(name, {mode: 'history', ...(request.where ? {where: request.where} : {}), limit: sampleSize, sample: true})) {
		for (const row of wireRows(batch, group)) sizes.push(size(row.record));
	}

	return sizes;
}

async function firstLines(file: string, count: number): Promise<string[]> {
	const ids: string[] = [];
	for await (const line of createInterface({input: createReadStream(file), crlfDelay: Infinity})) {
		if (line !== '') ids.push(JSON.parse(line) as string);
		if (ids.length >= count) break;
	}

	return ids;
}
