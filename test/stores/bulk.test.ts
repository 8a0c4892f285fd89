/**
 * Bulk loads (the embedded store's fast path for migrations) must leave a
 * target exactly as record-by-record writes do: same online records, same
 * offline rows, the event-time rule against what the target already holds,
 * delete markers as SoftDeletes; and refuse, writing nothing, rows whose
 * checks it cannot vouch for.
 */
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {makeCaster} from '../../source/core/cast.js';
import {checkCompatibility} from '../../source/core/compat.js';
import type {FsRecord} from '../../source/core/types.js';
import {wireRows} from '../../source/engine/source.js';
import {loadDuckDB, sqlString} from '../../source/io/duckdb.js';
import {LocalStore} from '../../source/stores/local/index.js';
import type {OfflineSnapshot} from '../../source/stores/store.js';
import {bulkFeatures, bulkGroup, loadRanges, sameColumns} from '../helpers/bulk.js';
import {tempDir} from '../helpers/temp.js';

const features = bulkFeatures;

const fractions = ['0', '-0', '1', '0.1', '1.5', '123.456', '1e-7', '1.5e-7', '0.000001', '1e16', '1e20', '1e21', '1.5e21', '123456789012345680000', '5e-324', '1.7976931348623157e308', '-2.5e-10', '9007199254740993', '12345678.9'];

const group = (name: string) => bulkGroup(name, 'bulk-test');

/** An event time on 2024-03-01 from 10:00; `hours` later spreads loads over many offline partitions. */
const time = (second: number, millis = false, hours = 0) => new Date(Date.UTC(2024, 2, 1, 10 + hours, 0, second, millis ? 250 : 0)).toISOString().replace('.000Z', 'Z');

/** Source operations in order: puts and deletes, with repeated event times and odd values. */
function sourceOps(): Array<{record: FsRecord; deleted?: boolean}> {
	const ops: Array<{record: FsRecord; deleted?: boolean}> = [];
	for (let i = 0; i < 40; i++) {
		const id = `id-${String(i).padStart(3, '0')}`;
		// The last identifiers each in an hour of their own: a load spans more hours than one COPY writes.
		const hours = i >= 30 ? i - 29 : 0;
		for (let version = 0; version < 1 + (i % 4); version++) {
			const record: FsRecord = {id, event_time: time(version * 2 + (i % 3), i % 2 === 0, hours)};
			if (i % 5 !== 0) record['n'] = String((BigInt(i) * 230_584_300_921_369_395n) * (i % 2 ? -1n : 1n) + (i === 39 ? -9_223_372_036_854_775_808n + 8_992_787_735_933_406_405n : 0n));
			record['x'] = fractions[(i + version) % fractions.length]!;
			if (i % 7 !== 1) record['label'] = ['', 'a,b', 'quote " here', 'line\nbreak', 'ünïcødé ✓', '{"json": true}'][(i + version) % 6]!;
			ops.push({record});
		}

		// Same event time twice: the first stays online.
		if (i % 6 === 0) ops.push({record: {id, event_time: time(30, false, hours), label: 'first'}}, {record: {id, event_time: time(30, false, hours), label: 'second'}});
		if (i % 4 === 3) ops.push({record: {id, event_time: time(40, false, hours)}, deleted: true});
		if (i % 8 === 3) ops.push({record: {id, event_time: time(50, false, hours), label: 'after delete'}});
	}

	return ops;
}

let temp: ReturnType<typeof tempDir>;
let store: LocalStore;
let snapshot: OfflineSnapshot;

async function replayByRecord(target: string) {
	const compatibility = checkCompatibility(await store.describeFeatureGroup('source'), await store.describeFeatureGroup(target));
	const cast = makeCaster(compatibility, 'event_time');
	const sourceGroup = await store.describeFeatureGroup('source');
	for await (const batch of store.readSnapshot(snapshot)) {
		for (const row of wireRows(batch, sourceGroup)) {
			const result = cast(row.record);
			if (!result.ok) throw new Error(result.reason);
			if (row.deleted) {
				await store.deleteRecord({FeatureGroupName: target, RecordIdentifier: result.record['id'] as string, EventTime: result.record['event_time'] as string, DeletionMode: 'SoftDelete'});
			} else {
				const written = await store.batchWrite([{FeatureGroupName: target, Record: result.record}]);
				expect(written.errors).toEqual([]);
			}
		}
	}
}

/** Records already in a target before the load: some newer, some older than the source's. */
async function preload(target: string) {
	await store.batchWrite([
		{FeatureGroupName: target, Record: {id: 'id-001', event_time: time(59), label: 'newer, stays'}},
		{FeatureGroupName: target, Record: {id: 'id-002', event_time: time(0), label: 'older, replaced'}},
	]);
}

async function contents(target: string) {
	const online: Record<string, FsRecord | undefined> = {};
	for (let i = 0; i < 40; i++) online[`id-${String(i).padStart(3, '0')}`] = await store.getRecord(target, `id-${String(i).padStart(3, '0')}`);
	const offline: string[] = [];
	for await (const batch of store.readOffline(target, {mode: 'history', includeMetadata: true})) {
		for (let row = 0; row < batch.length; row++) {
			offline.push(JSON.stringify(batch.names.filter(name => name !== 'write_time' && name !== 'api_invocation_time').map(name => batch.columns[batch.names.indexOf(name)]![row])));
		}
	}

	const soft: string[] = [];
	for await (const page of store.listRecordIdentifiers(target, {includeSoftDeleted: true})) soft.push(...page);
	return {online, offline: offline.sort(), listed: soft};
}

beforeAll(async () => {
	temp = tempDir();
	// Sorted snapshots of any size by two writers (one per DuckDB thread), as large ones are.
	store = new LocalStore(path.join(temp.dir, 'store'), {parallelSnapshotBytes: 0});
	for (const name of ['source', 'by-record', 'bulk', 'pieces', 'ranges', 'whole', 'whole-hash', 'refused', 'unordered']) await store.createFeatureGroup(group(name));
	for (const op of sourceOps()) {
		if (op.deleted) await store.deleteRecord({FeatureGroupName: 'source', RecordIdentifier: op.record['id'] as string, EventTime: op.record['event_time'] as string});
		else expect((await store.batchWrite([{FeatureGroupName: 'source', Record: op.record}])).errors).toEqual([]);
	}

	snapshot = await store.snapshotOffline('source', {mode: 'history', includeMetadata: true}, path.join(temp.dir, 'snapshot'));
	for (const name of ['by-record', 'bulk', 'pieces', 'ranges', 'whole', 'whole-hash', 'unordered']) await preload(name);
	await replayByRecord('by-record');
});

afterAll(async () => {
	await store.close();
	temp.remove();
});

const columns = sameColumns;

describe('bulk load', () => {
	it('leaves the target as record-by-record writes do', async () => {
		let position = 0;
		let bytes = 0;
		for (const file of snapshot.files) {
			// Progress inside the load: its rows step by step, all before the commit (none written yet).
			// (The embedded store counts when asked: the promise holds the count at the step.)
			const steps: Array<{inFlight: number; online: Promise<number | undefined>}> = [];
			const online = await store.countOnline('bulk');
			const result = await store.bulkLoad({
				FeatureGroupName: 'bulk', file, skip: 0, limit: 1_000_000, columns, deletedColumn: 'is_deleted', checkpoint: {key: 'bulk/0', position},
				progress: inFlight => steps.push({inFlight, online: store.countOnline('bulk')}),
			});
			expect(result).toMatchObject({ok: true});
			if (result.ok) {
				expect(steps.length).toBe(3);
				expect(steps.map(step => step.inFlight)).toEqual([...steps.map(step => step.inFlight)].sort((a, b) => a - b));
				expect(steps.at(-1)!.inFlight).toBeLessThan(result.rows);
				expect(steps[0]!.inFlight).toBeGreaterThan(0);
				expect(await Promise.all(steps.map(step => step.online))).toEqual(steps.map(() => online));
				position += result.rows;
				bytes += result.bytes;
			}
		}

		expect(position).toBe(snapshot.rows);
		// The bytes counter: names and values of the rows, a number as 8 bytes.
		let size = 0;
		const sourceGroup = await store.describeFeatureGroup('source');
		for await (const batch of store.readSnapshot(snapshot)) {
			for (const {record} of wireRows(batch, sourceGroup)) {
				for (const [name, value] of Object.entries(record)) {
					const type = features.find(feature => feature.FeatureName === name)!.FeatureType;
					size += Buffer.byteLength(name) + (type === 'String' ? Buffer.byteLength(value as string) : 8);
				}
			}
		}

		expect(size).toBeGreaterThan(0);
		expect(bytes).toBe(size);
		expect(await store.readCheckpoint('bulk/0')).toBe(snapshot.rows);
		const expected = await contents('by-record');
		expect(expected.online['id-001']).toMatchObject({label: 'newer, stays'});
		// Two puts with one event time, often within one millisecond: replayed in
		// the order they were written, the first stays, as it did in the source.
		for (const id of ['id-000', 'id-006', 'id-012', 'id-018', 'id-024', 'id-030', 'id-036']) {
			expect(expected.online[id]).toMatchObject({label: 'first'});
			expect(await store.getRecord('source', id)).toMatchObject({label: 'first'});
		}

		expect(await contents('bulk')).toEqual(expected);
		// The same event-time hour directories, SageMaker's layout.
		const hours = (name: string) => [...new Set(store.offlineFiles(name).files.map(file => path.dirname(file)))].sort();
		expect(hours('bulk')).toEqual(hours('by-record'));
		expect(hours('bulk')).toContain(path.join('year=2024', 'month=03', 'day=01', 'hour=10'));
		// One load over 11 hours: written a few hours per COPY.
		expect(hours('bulk').filter(dir => dir.includes(path.join('day=01', 'hour=')))).toHaveLength(11);
	});

	it('gives the same result in partitions and pieces, skipping what is done', async () => {
		let loaded = 0;
		for (let index = 0; index < 3; index++) {
			for (const file of snapshot.files) {
				let done = 0;
				for (;;) {
					const result = await store.bulkLoad({FeatureGroupName: 'pieces', file, partition: {index, of: 3, column: 'id'}, skip: done, limit: 7, columns, deletedColumn: 'is_deleted'});
					if (!result.ok) throw new Error(result.reason);
					done += result.rows;
					loaded += result.rows;
					if (done >= result.total) break;
				}
			}
		}

		expect(loaded).toBe(snapshot.rows);
		expect(await contents('pieces')).toEqual(await contents('by-record'));
	});

	it('takes a one-part snapshot as one range of its file, and a whole file in pieces by row number', async () => {
		// One worker: the file is its one range (a load then reads rows by number, not by numbering the file's).
		expect(snapshot.files).toHaveLength(1);
		expect(snapshot.parts).toEqual([{file: snapshot.files[0], first: 0, count: snapshot.rows}]);
		const file = snapshot.files[0]!;
		for (const [target, partition] of [['whole', undefined], ['whole-hash', {index: 0, of: 1, column: 'id'}]] as const) {
			let done = 0;
			for (;;) {
				const result = await store.bulkLoad({FeatureGroupName: target, file, partition, skip: done, limit: 7, columns, deletedColumn: 'is_deleted'});
				if (!result.ok) throw new Error(result.reason);
				expect(result.total).toBe(snapshot.rows);
				expect(result.rows).toBe(Math.min(7, snapshot.rows - done));
				done += result.rows;
				if (done >= result.total) break;
			}

			expect(await contents(target)).toEqual(await contents('by-record'));
		}
	});

	it('splits a snapshot into ranges of whole identifiers in event-time order, loaded range by range', async () => {
		const parted = await store.snapshotOffline('source', {mode: 'history', includeMetadata: true, parts: 3}, path.join(temp.dir, 'snapshot-parts'));
		expect(parted.rows).toBe(snapshot.rows);
		const ranges = parted.parts!;
		// Per file (one per DuckDB thread), one range per part: contiguous, in
		// order, covering every row of the file.
		expect(parted.files).toHaveLength(2);
		expect(ranges).toHaveLength(3 * parted.files.length);
		for (const [index, file] of parted.files.entries()) {
			let next = 0;
			for (const range of ranges.slice(index * 3, index * 3 + 3)) {
				expect(range.file).toBe(file);
				expect(range.first).toBe(next);
				next += range.count;
			}
		}

		expect(ranges.reduce((sum, range) => sum + range.count, 0)).toBe(parted.rows);
		// Range i holds part i % 3: every identifier in one part, in event-time order.
		const owner = new Map<string, number>();
		for (const [index, range] of ranges.entries()) {
			const rows: Array<[string, string]> = [];
			for await (const batch of store.readSnapshot(parted, range)) {
				const id = batch.names.indexOf('id');
				const at = batch.names.indexOf('event_time');
				for (let row = 0; row < batch.length; row++) rows.push([batch.columns[id]![row] as string, batch.columns[at]![row] as string]);
			}

			expect(rows).toHaveLength(range.count);
			expect(rows).toEqual([...rows].sort((a, b) => (a[0] === b[0] ? a[1].localeCompare(b[1]) : a[0].localeCompare(b[0]))));
			for (const [id] of rows) {
				expect(owner.get(id) ?? index % 3).toBe(index % 3);
				owner.set(id, index % 3);
			}
		}

		expect(owner.size).toBe(40);
		let loaded = 0;
		for (const range of ranges) {
			let done = 0;
			for (;;) {
				const result = await store.bulkLoad({FeatureGroupName: 'ranges', file: range.file, partition: range, skip: done, limit: 7, columns, deletedColumn: 'is_deleted'});
				if (!result.ok) throw new Error(result.reason);
				expect(result.total).toBe(range.count);
				done += result.rows;
				loaded += result.rows;
				if (done >= result.total) break;
			}
		}

		expect(loaded).toBe(parted.rows);
		expect(await contents('ranges')).toEqual(await contents('by-record'));
	});

	it('takes an unordered snapshot, one file per part with its winners, loaded in pieces as the sorted replay', async () => {
		const unordered = await store.snapshotOffline('source', {mode: 'history', includeMetadata: true, parts: 3, unordered: true}, path.join(temp.dir, 'snapshot-unordered'));
		expect(unordered.rows).toBe(snapshot.rows);
		// Files this small are copied, not linked (snapshot-linked).
		expect(unordered.files.map(file => path.basename(file))).toEqual(['part-00000.parquet', 'part-00001.parquet', 'part-00002.parquet']);
		expect(unordered.parts!.map(({file, first}) => ({file, first}))).toEqual(unordered.files.map(file => ({file, first: 0})));
		const {DuckDBInstance} = await loadDuckDB();
		const connection = await (await DuckDBInstance.create(':memory:')).connect();
		const owner = new Map<string, number>();
		let winners = 0;
		for (const [index, range] of unordered.parts!.entries()) {
			const ids = (await connection.runAndReadAll(`SELECT id FROM read_parquet(${sqlString(range.file)})`)).getRows().map(row => String(row[0]));
			expect(ids).toHaveLength(range.count);
			for (const id of ids) {
				expect(owner.get(id) ?? index).toBe(index);
				owner.set(id, index);
			}

			// One winner per identifier of the part, ascending.
			const numbers = (await connection.runAndReadAll(`SELECT n FROM read_parquet(${sqlString(range.winners!)})`)).getRows().map(row => Number(row[0]));
			expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
			expect(new Set(numbers.map(number => ids[number])).size).toBe(new Set(ids).size);
			winners += numbers.length;
		}

		connection.closeSync();
		expect(owner.size).toBe(40);
		expect(winners).toBe(40);
		expect(await loadRanges(store, 'unordered', unordered.parts!, 7)).toBe(snapshot.rows);

		expect(await contents('unordered')).toEqual(await contents('by-record'));
	});

	it('refuses rows it cannot vouch for and writes nothing', async () => {
		const {DuckDBInstance} = await loadDuckDB();
		const connection = await (await DuckDBInstance.create(':memory:')).connect();
		const cases: Array<[string, string]> = [
			['id, event_time, n, x, label', `('a', '${time(1)}', '1.5', '1', 'ok')`],
			['id, event_time, n, x, label', `('', '${time(1)}', '1', '1', 'ok')`],
			['id, event_time, n, x, label', `('a', '2024-02-30T00:00:00Z', '1', '1', 'ok')`],
			['id, event_time, n, x, label', `('a', '${time(1)}', '1', 'NaN', 'ok')`],
			['id, event_time, n, x, label', `('a', '${time(1)}', '99999999999999999999', '1', 'ok')`],
			['id, event_time, n, x, label', `('a', '0999-12-31T23:00:00Z', '1', '1', 'ok')`],
		];
		for (const [index, [names, values]] of cases.entries()) {
			const file = path.join(temp.dir, `bad-${index}.parquet`);
			await connection.run(`COPY (SELECT * FROM (VALUES ('b', '${time(1)}', '2', '2', 'fine'), ${values}) t(${names})) TO ${sqlString(file)} (FORMAT parquet)`);
			const result = await store.bulkLoad({FeatureGroupName: 'refused', file, skip: 0, limit: 100, columns, checkpoint: {key: 'refused', position: 0}});
			expect(result).toMatchObject({ok: false, total: 2});
		}

		connection.closeSync();
		expect(await store.getRecord('refused', 'b')).toBeUndefined();
		expect(await store.countOffline('refused', {mode: 'history'})).toBe(0);
		expect(await store.readCheckpoint('refused')).toBeUndefined();
	});

	it('writes Fractional values as JavaScript does', async () => {
		const {DuckDBInstance} = await loadDuckDB();
		const connection = await (await DuckDBInstance.create(':memory:')).connect();
		const {valueMacros} = await import('../../source/stores/local/bulk-sql.js');
		for (const macro of valueMacros) await connection.run(macro);
		const buffer = new DataView(new ArrayBuffer(8));
		const values = fractions.map(Number);
		for (let i = 0; i < 2000; i++) {
			// Random bit patterns cover every exponent; random decimals cover the usual.
			buffer.setUint32(0, Math.floor(Math.random() * 2 ** 32));
			buffer.setUint32(4, Math.floor(Math.random() * 2 ** 32));
			const value = buffer.getFloat64(0);
			if (Number.isFinite(value)) values.push(value);
			values.push(Math.round(Math.random() * 1e6) / 10 ** Math.floor(Math.random() * 12));
		}

		const list = values.map(value => (Object.is(value, -0) ? '-0.0' : value.toExponential(20))).join('), (');
		const reader = await connection.runAndReadAll(`SELECT js_number(d, CAST(d AS VARCHAR)) FROM (SELECT CAST(v AS DOUBLE) AS d FROM (VALUES (${list})) t(v))`);
		const got = reader.getRows().map(row => row[0]);
		connection.closeSync();
		expect(got).toEqual(values.map(value => String(value)));
	});
});
