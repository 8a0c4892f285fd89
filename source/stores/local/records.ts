/**
 * Writes and reads of records in the embedded store, with the service's rules:
 * a put goes online only when its event time is later than the stored one
 * (else it is history: offline only); deletes append an offline marker;
 * TTL hides expired records. One SQLite transaction per call, so a batch is
 * all in or all out, online and offline together.
 */
import {usageError} from '../../core/errors.js';
import {checkRecord} from '../../core/records.js';
import {eventTimeMillis, eventTimeProblem, unicodeProblem} from '../../core/values.js';
import type {FeatureGroup, FsRecord, TargetStore, TtlDuration} from '../../core/types.js';
import {featureOf, hasOfflineStore, hasOnlineStore} from '../../core/types.js';
import type {BatchGetResult, BatchWriteResult, DeleteRecordInput, WriteEntry, WriteOptions} from '../store.js';
import {isBusy, type Sqlite} from './database.js';
import type {Fault} from '../faults.js';
import type {Catalog} from './catalog.js';

const ttlUnitMs = {Seconds: 1000, Minutes: 60_000, Hours: 3_600_000, Days: 86_400_000, Weeks: 604_800_000};

export const ttlMillis = (ttl: TtlDuration | undefined) => (ttl ? ttl.Value * ttlUnitMs[ttl.Unit] : undefined);

interface OnlineRow {
	record_id: string;
	event_time_ms: number;
	record: string;
	deleted: number;
	expires_at_ms: number | null;
}

export class Records {
	readonly upsertOnline;
	private readonly stageOffline;
	private readonly selectOnline;
	private readonly deleteOnline;
	private readonly replaceOnline;

	constructor(private readonly db: Sqlite, private readonly catalog: Catalog, private readonly fault?: () => Fault, private readonly lock?: Int32Array) {
		// The event-time rule lives in the WHERE of the upsert: a stored record
		// is replaced only by a later one, or when it has expired. Parameters
		// (group, id, time, record, deleted, expires, now) by position: binding
		// an object by name cost a fifth of a bulk load's commit.
		this.upsertOnline = db.prepare<[string, string, number, string, 0 | 1, number | null, number]>(`
			INSERT INTO online_records (group_name, record_id, event_time_ms, record, deleted, expires_at_ms)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (group_name, record_id) DO UPDATE SET
				event_time_ms = excluded.event_time_ms, record = excluded.record,
				deleted = excluded.deleted, expires_at_ms = excluded.expires_at_ms
			WHERE excluded.event_time_ms > online_records.event_time_ms
				OR (online_records.expires_at_ms IS NOT NULL AND online_records.expires_at_ms <= ?)`);
		this.stageOffline = db.prepare(`
			INSERT INTO offline_staging (group_name, event_time_ms, write_time_ms, api_time_ms, is_deleted, record)
			VALUES (?, ?, ?, ?, ?, ?)`);
		this.selectOnline = db.prepare('SELECT record_id, event_time_ms, record, deleted, expires_at_ms FROM online_records WHERE group_name = ? AND record_id = ?');
		this.deleteOnline = db.prepare('DELETE FROM online_records WHERE group_name = ? AND record_id = ?');
		this.replaceOnline = db.prepare(`
			INSERT OR REPLACE INTO online_records (group_name, record_id, event_time_ms, record, deleted, expires_at_ms)
			VALUES (?, ?, ?, ?, 1, NULL)`);
	}

	batchWrite(entries: WriteEntry[], limit: number, options: WriteOptions = {}): BatchWriteResult {
		if (entries.length === 0 || entries.length > limit) {
			throw usageError(`BatchWriteRecord takes 1 to ${limit} entries, got ${entries.length}.`, `Split the records into batches of at most ${limit}.`);
		}

		// Everything that needs no lock happens first: checks, JSON, TTL.
		const result: BatchWriteResult = {errors: [], unprocessed: []};
		const groups = new Map<string, FeatureGroup | undefined>();
		const now = Date.now();
		const puts: Put[] = [];
		for (const [index, entry] of entries.entries()) {
			const fault = this.fault?.();
			if (fault === 'throttle') {
				result.unprocessed.push(index);
				continue;
			}

			if (fault === 'error') {
				result.errors.push({index, ErrorCode: 'InjectedFault', ErrorMessage: 'fault injected by FS_LOCAL_FAULTS'});
				continue;
			}

			const name = entry.FeatureGroupName;
			if (!groups.has(name)) groups.set(name, this.catalog.find(name));
			const prepared = preparePut(groups.get(name), name, entry);
			if ('ErrorCode' in prepared) result.errors.push({index, ...prepared});
			else puts.push(prepared);
		}

		const write = this.db.transaction(() => {
			for (const put of puts) {
				if (put.online) {
					this.upsertOnline.run(put.group, put.id, put.time, put.text, 0, put.expires, now);
				}

				// docs/service.md: a later record goes online and offline; a historic one
				// (not later than the stored one) goes to the offline store only.
				if (put.offline) this.stageOffline.run(put.group, put.time, now, now, 0, put.text);
			}

			// Only a call that left nothing to send again completes its share of a partition.
			if (options.checkpoint && result.unprocessed.length === 0) {
				if (result.errors.length > 0) options.onRefused?.(result.errors);
				this.saveCheckpoint(options.checkpoint);
			}
		});
		try {
			this.withWriteLock(() => write.immediate());
		} catch (error) {
			// Another writer held the lock past the timeout: nothing was written,
			// so every entry is unprocessed and may simply be sent again.
			if (!isBusy(error)) throw error;
			return {errors: [], unprocessed: entries.map((_, index) => index)};
		}

		return result;
	}

	/**
	 * Writers of one process (a migration's worker threads) take turns through
	 * a lock in shared memory: handing over takes microseconds, where SQLite's
	 * own busy handler sleeps for up to 100 ms between tries.
	 */
	withWriteLock<T>(run: () => T): T {
		const lock = this.lock;
		if (!lock) return run();
		while (Atomics.compareExchange(lock, 0, 0, 1) !== 0) Atomics.wait(lock, 0, 1, 50);
		try {
			return run();
		} finally {
			Atomics.store(lock, 0, 0);
			Atomics.notify(lock, 0, 1);
		}
	}

	deleteRecord(input: DeleteRecordInput, options: WriteOptions = {}): void {
		const group = this.catalog.get(input.FeatureGroupName);
		if (group.FeatureGroupStatus !== 'Created') {
			throw usageError(`Feature group ${group.FeatureGroupName} is ${group.FeatureGroupStatus}, not Created.`, 'Wait until it is Created (`fs list`).');
		}

		const eventFeature = featureOf(group, group.EventTimeFeatureName)!;
		const time = eventTimeMillis(eventFeature.FeatureType, input.EventTime);
		if (time === undefined) throw usageError(`DeleteRecord: ${eventTimeProblem(eventFeature, input.EventTime)}.`, 'Pass the EventTime of the delete in the event-time feature\'s format.');
		if (input.RecordIdentifier === '') throw usageError('DeleteRecord needs a record identifier.', 'Pass the identifier of the record to delete.');
		const unreadable = unicodeProblem(input.RecordIdentifier);
		if (unreadable) throw usageError(`DeleteRecord: the record identifier ${unreadable}.`, 'Pass the identifier as well-formed text.');
		const targets = targetsFor(group, input.TargetStores);
		if (typeof targets === 'string') throw usageError(targets, 'Name only stores the feature group has.');
		const mode = input.DeletionMode ?? 'SoftDelete';
		const name = group.FeatureGroupName;
		const id = input.RecordIdentifier;
		const marker: FsRecord = {[group.RecordIdentifierFeatureName]: id, [group.EventTimeFeatureName]: input.EventTime};
		const now = Date.now();
		const write = this.db.transaction(() => {
			if (targets.online) {
				const stored = this.selectOnline.get(name, id) as OnlineRow | undefined;
				const live = stored && !(stored.expires_at_ms !== null && stored.expires_at_ms <= now);
				if (mode === 'HardDelete') {
					if (live && stored.event_time_ms >= time) {
						throw usageError(
							`HardDelete of ${id}: EventTime ${input.EventTime} is not later than the stored record's.`,
							'Pass an EventTime later than the record\'s event time.',
						);
					}

					this.deleteOnline.run(name, id);
				} else if (!live || stored.event_time_ms < time) {
					// SoftDelete keeps the identifier online with its features nulled.
					this.replaceOnline.run(name, id, time, JSON.stringify(marker));
				}
			}

			if (targets.offline) this.stageOffline.run(name, time, now, now, 1, JSON.stringify(marker));
			if (options.checkpoint) this.saveCheckpoint(options.checkpoint);
		});
		this.withWriteLock(() => write.immediate());
	}

	saveCheckpoint({key, position}: {key: string; position: number}) {
		this.db.prepare('INSERT INTO write_checkpoints (key, position) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET position = excluded.position').run(key, position);
	}

	readCheckpoint(key: string): number | undefined {
		return (this.db.prepare('SELECT position FROM write_checkpoints WHERE key = ?').pluck().get(key) as number | undefined) ?? undefined;
	}

	forgetCheckpoints(prefix: string): void {
		this.db.prepare('DELETE FROM write_checkpoints WHERE key = ? OR substr(key, 1, ?) = ?').run(prefix, prefix.length + 1, `${prefix}/`);
	}

	/** When a live online record expires (ms since the epoch; its TTL), if it does. */
	expiresAt(group: FeatureGroup, id: string): number | undefined {
		const row = this.selectOnline.get(group.FeatureGroupName, id) as OnlineRow | undefined;
		if (!row || row.deleted || row.expires_at_ms === null || row.expires_at_ms <= Date.now()) return undefined;
		return row.expires_at_ms;
	}

	getRecord(group: FeatureGroup, id: string, featureNames?: string[]): FsRecord | undefined {
		if (!hasOnlineStore(group)) {
			throw usageError(`Feature group ${group.FeatureGroupName} has no online store.`, 'Read it with `fs export` (offline store) instead.');
		}

		const row = this.selectOnline.get(group.FeatureGroupName, id) as OnlineRow | undefined;
		if (!row || row.deleted || (row.expires_at_ms !== null && row.expires_at_ms <= Date.now())) return undefined;
		return pick(withoutNulls(JSON.parse(row.record) as Record<string, FsRecord[string] | null>), featureNames);
	}

	batchGet(group: FeatureGroup, ids: string[], featureNames: string[] | undefined, limit: number): BatchGetResult {
		if (ids.length === 0 || ids.length > limit) {
			throw usageError(`BatchGetRecord takes 1 to ${limit} identifiers, got ${ids.length}.`, `Ask for at most ${limit} at a time.`);
		}

		const result: BatchGetResult = {records: [], errors: [], unprocessed: []};
		for (const id of ids) {
			const record = this.getRecord(group, id, featureNames);
			if (record) result.records.push({RecordIdentifier: id, Record: record});
		}

		return result;
	}

	* listIdentifiers(group: FeatureGroup, includeSoftDeleted: boolean, pageSize: number): Generator<string[]> {
		if (!hasOnlineStore(group)) {
			throw usageError(`Feature group ${group.FeatureGroupName} has no online store to list.`, 'Read its offline store with `fs export` instead.');
		}

		const page = this.db.prepare(`
			SELECT record_id FROM online_records
			WHERE group_name = ? AND record_id > ? AND (deleted = 0 OR ?) AND (expires_at_ms IS NULL OR expires_at_ms > ?)
			ORDER BY record_id LIMIT ?`).pluck();
		let after = '';
		for (;;) {
			const ids = page.all(group.FeatureGroupName, after, includeSoftDeleted ? 1 : 0, Date.now(), pageSize) as string[];
			if (ids.length === 0) return;
			// Read before the page is handed out: the caller may take it apart.
			const last = ids.at(-1)!;
			const full = ids.length === pageSize;
			yield ids;
			if (!full) return;
			after = last;
		}
	}

	/** The records a group's online store holds (soft-deleted and expired ones not). */
	countOnline(name: string): number {
		return this.db.prepare('SELECT count(*) FROM online_records WHERE group_name = ? AND deleted = 0 AND (expires_at_ms IS NULL OR expires_at_ms > ?)').pluck().get(name, Date.now()) as number;
	}

	/** Every online record of a group gone in one statement; returns how many ListRecords would have listed (expired ones are not). */
	clearOnline(name: string): number {
		const clear = this.db.transaction(() => {
			const listed = this.db.prepare('SELECT count(*) FROM online_records WHERE group_name = ? AND (expires_at_ms IS NULL OR expires_at_ms > ?)').pluck().get(name, Date.now()) as number;
			this.db.prepare('DELETE FROM online_records WHERE group_name = ?').run(name);
			return listed;
		});
		return this.withWriteLock(() => clear.immediate());
	}
}

interface Put {
	group: string;
	id: string;
	time: number;
	text: string;
	expires: number | null;
	online: boolean;
	offline: boolean;
}

/** Check an entry as PutRecord does; what to write, or the error. */
function preparePut(group: FeatureGroup | undefined, name: string, entry: WriteEntry): Put | {ErrorCode: string; ErrorMessage: string} {
	if (!group) return {ErrorCode: 'ResourceNotFound', ErrorMessage: `Feature group ${name} does not exist`};
	if (group.FeatureGroupStatus !== 'Created') {
		return {ErrorCode: 'ValidationError', ErrorMessage: `Feature group ${name} is ${group.FeatureGroupStatus}, not Created`};
	}

	const check = checkRecord(group, entry.Record);
	if (!check.ok) return {ErrorCode: 'ValidationError', ErrorMessage: check.reason};
	const targets = targetsFor(group, entry.TargetStores);
	if (typeof targets === 'string') return {ErrorCode: 'ValidationError', ErrorMessage: targets};
	const {record, recordIdentifier, eventTimeMs} = check.checked;
	const ttl = ttlMillis(entry.TtlDuration ?? group.OnlineStoreConfig?.TtlDuration);
	return {
		group: name, id: recordIdentifier, time: eventTimeMs, text: JSON.stringify(record),
		expires: ttl === undefined ? null : eventTimeMs + ttl, online: targets.online, offline: targets.offline,
	};
}

interface Targets {
	online: boolean;
	offline: boolean;
}

/** The stores a put or delete reaches: those asked for, default all the group has. */
function targetsFor(group: FeatureGroup, requested: TargetStore[] | undefined): Targets | string {
	const online = hasOnlineStore(group);
	const offline = hasOfflineStore(group);
	if (requested === undefined) return {online, offline};
	if (requested.length === 0) return 'TargetStores may not be empty';
	for (const target of requested) {
		if (target !== 'OnlineStore' && target !== 'OfflineStore') return `Unknown target store ${String(target)}`;
		if (target === 'OnlineStore' && !online) return `Feature group ${group.FeatureGroupName} has no online store`;
		if (target === 'OfflineStore' && !offline) return `Feature group ${group.FeatureGroupName} has no offline store`;
	}

	return {online: requested.includes('OnlineStore'), offline: requested.includes('OfflineStore')};
}

/** Bulk loads store a feature without a value as null (see bulk.ts); the API leaves it out. */
function withoutNulls(record: Record<string, FsRecord[string] | null>): FsRecord {
	for (const [name, value] of Object.entries(record)) if (value === null) delete record[name];
	return record as FsRecord;
}

function pick(record: FsRecord, featureNames: string[] | undefined): FsRecord {
	if (!featureNames) return record;
	const out: FsRecord = {};
	for (const name of featureNames) if (name in record) out[name] = record[name]!;
	return out;
}

