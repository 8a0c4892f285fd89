/**
 * The embedded feature store (`--store local:DIR`): SQLite for the catalog and
 * the online store, Parquet + DuckDB for the offline store, with the service's
 * semantics (docs/service.md).
 */
import {mkdirSync, realpathSync} from 'node:fs';
import path from 'node:path';
import type {CreateFeatureGroupInput, FeatureGroup, FsRecord} from '../../core/types.js';
import {hasOfflineStore, hasOnlineStore} from '../../core/types.js';
import {usageError} from '../../core/errors.js';
import {checkFeatureAdditions} from '../../core/schema.js';
import type {
	BatchGetResult, BatchWriteResult, BulkLoad, BulkLoadResult, DeleteRecordInput, FeatureGroupUpdate, OfflineBatch, OfflineLocation, OfflineQuery, OfflineSnapshot, SnapshotPartition, SnapshotRange, Store, StoreCapabilities, StoreInfo, StoreLimits, WriteEntry, WriteOptions,
} from '../store.js';
import {BulkLoader} from './bulk.js';
import {Catalog} from './catalog.js';
import {openDatabase, type Sqlite} from './database.js';
import {ensureStoreDir, type StoreMeta} from './layout.js';
import {OfflineStore} from './offline.js';
import {Records} from './records.js';
import {faultSource, parseFaults, type FaultSettings} from '../faults.js';

export interface LocalStoreOptions {
	region?: string;
	/** Entries per batchWrite; BatchWriteRecord's 25 unless told otherwise. */
	batchWriteLimit?: number;
	/** How long a new group stays `Creating` (FS_LOCAL_CREATE_DELAY_MS). */
	createDelayMs?: number;
	/** DuckDB's memory limit in this process (default FS_DUCKDB_MEMORY or 256MB). */
	duckdbMemory?: string;
	/** DuckDB's threads in this process (default 2). */
	duckdbThreads?: number;
	/** Flush a group's staged offline rows once this process staged this many (default 100,000). */
	flushEvery?: number;
	/** Offline rows sorted per pass in ordered reads (memory against passes). */
	rowsPerPass?: number;
	/** Stored bytes from which a sorted snapshot is written by several writers at once (default 64 MB). */
	parallelSnapshotBytes?: number;
	/** Shared by writers of one process (worker threads) to take turns without SQLite's sleeps. */
	writeLock?: SharedArrayBuffer;
	/** Refuse a directory that is not a store yet, instead of making one (commands that only use a store). */
	mustExist?: boolean;
	/** Injected faults (tests); default from FS_LOCAL_FAULTS. */
	faults?: FaultSettings;
}

export class LocalStore implements Store {
	readonly info: StoreInfo;
	readonly capabilities: StoreCapabilities = {bulkLoad: true, transactionalCheckpoint: true, cpuBoundWrites: true, exactOfflineCount: true, serverCopy: false};
	readonly limits: StoreLimits;
	readonly meta: StoreMeta;
	private readonly db: Sqlite;
	private readonly catalog: Catalog;
	private readonly records: Records;
	private readonly offline: OfflineStore;
	private readonly bulk: BulkLoader;
	/** Writes in this process wait while a flush holds the SQLite write lock. */
	private flushing: Promise<void> = Promise.resolve();
	private closed = false;
	private stagedSinceFlush = 0;

	constructor(readonly dir: string, private readonly options: LocalStoreOptions = {}) {
		this.meta = ensureStoreDir(dir, options.region, options.mustExist);
		mkdirSync(path.join(dir, 'tmp'), {recursive: true});
		this.db = openDatabase(path.join(dir, 'store.sqlite'));
		this.catalog = new Catalog(this.db, this.meta);
		const faults = options.faults ?? parseFaults(process.env['FS_LOCAL_FAULTS']);
		this.records = new Records(this.db, this.catalog, faults && faultSource(faults), options.writeLock && new Int32Array(options.writeLock));
		this.offline = new OfflineStore(dir, this.db, options.rowsPerPass, options.duckdbMemory, options.duckdbThreads, options.parallelSnapshotBytes);
		this.bulk = new BulkLoader(dir, this.db, this.catalog, this.offline, this.records, faults !== undefined);
		this.info = {kind: 'local', location: dir, region: this.meta.region, account: this.meta.account, sharedDir: path.join(dir, 'locks'),
			createDefaults: {s3Uri: `s3://sagemaker-${this.meta.region}-${this.meta.account}/feature-store`, roleArn: `arn:aws:iam::${this.meta.account}:role/fs-local`}};
		this.limits = {batchWrite: options.batchWriteLimit ?? 25, batchGet: 100, concurrentWrites: false};
	}

	/** DuckDB reads files on this machine: nothing is billed by the byte. */
	scannedBytes(): undefined {
		return undefined;
	}

	groupIdentity(group: FeatureGroup): string {
		// Names are case-insensitive, as the service's are.
		return `local:${realpathSync(this.dir)}#${group.FeatureGroupName.toLowerCase()}`;
	}

	async listFeatureGroups(): Promise<FeatureGroup[]> {
		return this.catalog.list();
	}

	async describeFeatureGroup(name: string): Promise<FeatureGroup> {
		return this.catalog.get(name);
	}

	async createFeatureGroup(input: CreateFeatureGroupInput, readyAfterMs?: number): Promise<FeatureGroup> {
		const delay = readyAfterMs ?? this.options.createDelayMs ?? Number(process.env['FS_LOCAL_CREATE_DELAY_MS'] ?? 0);
		const group = this.catalog.create(input, delay);
		// Its offline store's bucket exists from now on, as it must on AWS (the emulator's S3 shows it).
		const uri = group.OfflineStoreConfig?.S3StorageConfig.S3Uri;
		if (uri) mkdirSync(path.join(this.dir, 's3', /^s3:\/\/([^/]+)/.exec(uri)![1]!), {recursive: true});
		return group;
	}

	/**
	 * DeleteFeatureGroup: `Deleting` for the store's create delay, then gone;
	 * its online records and staged rows go at once, its offline files stay
	 * in the store's S3, as the service leaves them.
	 */
	async deleteFeatureGroup(name: string): Promise<void> {
		await this.flushing;
		const delay = this.options.createDelayMs ?? Number(process.env['FS_LOCAL_CREATE_DELAY_MS'] ?? 0);
		const group = this.catalog.find(name);
		// Rows still staged land first: what was written to the offline store stays there.
		if (group && hasOfflineStore(group) && group.FeatureGroupStatus === 'Created') await this.offline.flush(group);
		this.catalog.markDeleting(name, delay);
		this.records.clearOnline(name);
	}

	/**
	 * UpdateFeatureGroup: features added (files written before read them as
	 * NULL), the online TTL set for records written from now on. Done at once.
	 */
	async updateFeatureGroup(name: string, update: FeatureGroupUpdate): Promise<FeatureGroup> {
		await this.flushing;
		const group = this.catalog.get(name);
		if (group.FeatureGroupStatus !== 'Created') throw usageError(`${name} is ${group.FeatureGroupStatus}, not Created.`, 'Wait until it is Created (`fs list`).', 'ResourceInUse');
		const additions = update.FeatureAdditions ?? [];
		if (additions.length > 0) checkFeatureAdditions(group, additions);
		if (update.TtlDuration !== undefined && !hasOnlineStore(group)) throw usageError(`${name} has no online store: it has no TTL to set.`, 'Drop the TTL from the update.');
		// Staged rows land first, under the schema they were written with.
		if (additions.length > 0 && hasOfflineStore(group)) await this.offline.flush(group);
		const updated = this.catalog.update(name, current => {
			const next = {...current, FeatureDefinitions: [...current.FeatureDefinitions, ...additions]};
			if (update.TtlDuration !== undefined) {
				const {TtlDuration: _, ...online} = current.OnlineStoreConfig!;
				next.OnlineStoreConfig = update.TtlDuration === null ? online : {...online, TtlDuration: update.TtlDuration};
			}

			return next;
		});
		if (additions.length > 0 && hasOfflineStore(updated)) await this.offline.writeSchemaFile(updated);
		return updated;
	}

	async * readOffline(name: string, query: OfflineQuery): AsyncGenerator<OfflineBatch> {
		const group = await this.offlineGroup(name);
		yield * this.offline.read(group, query);
	}

	async countOffline(name: string, query: Pick<OfflineQuery, 'mode' | 'where' | 'except' | 'residual'>): Promise<number> {
		if (query.mode === 'history' && query.where === undefined && query.except === undefined) return this.offline.countHistory(await this.offlineGroup(name, false));
		return this.offline.count(await this.offlineGroup(name), query);
	}

	async countOnline(name: string): Promise<number | undefined> {
		const group = this.catalog.get(name);
		return hasOnlineStore(group) ? this.records.countOnline(name) : undefined;
	}

	async offlineLocation(group: FeatureGroup): Promise<OfflineLocation | undefined> {
		if (!hasOfflineStore(group)) return undefined;
		// Staged rows are flushed first: they are the group's rows too.
		const flushed = await this.offlineGroup(group.FeatureGroupName);
		return {engine: 'duckdb', dir: this.offline.dataDir(flushed), hasFiles: this.offline.files(flushed).length > 0};
	}

	reaches(location: OfflineLocation): boolean {
		return location.engine === 'duckdb';
	}

	async * listRecordIdentifiers(name: string, options: {includeSoftDeleted?: boolean; pageSize?: number} = {}): AsyncGenerator<string[]> {
		const group = this.catalog.get(name);
		yield * this.records.listIdentifiers(group, options.includeSoftDeleted ?? false, options.pageSize ?? 1000);
	}

	/** When a live online record expires (ms; its TTL), if it does: the emulator's ExpiresAt. */
	async recordExpiry(name: string, recordIdentifier: string): Promise<number | undefined> {
		return this.records.expiresAt(this.catalog.get(name), recordIdentifier);
	}

	async getRecord(name: string, recordIdentifier: string, featureNames?: string[]): Promise<FsRecord | undefined> {
		return this.records.getRecord(this.catalog.get(name), recordIdentifier, featureNames);
	}

	async batchGet(name: string, recordIdentifiers: string[], featureNames?: string[]): Promise<BatchGetResult> {
		return this.records.batchGet(this.catalog.get(name), recordIdentifiers, featureNames, this.limits.batchGet);
	}

	async snapshotOffline(name: string, query: OfflineQuery, dir: string): Promise<OfflineSnapshot> {
		return this.offline.snapshot(await this.offlineGroup(name), query, dir);
	}

	readSnapshot(snapshot: OfflineSnapshot, partition?: SnapshotPartition | SnapshotRange): AsyncIterable<OfflineBatch> {
		return this.offline.readSnapshot(snapshot, partition);
	}

	async batchWrite(entries: WriteEntry[], options?: WriteOptions): Promise<BatchWriteResult> {
		await this.flushing;
		const result = this.records.batchWrite(entries, this.limits.batchWrite, options);
		// Long writers land their offline rows as they go, not all at the end.
		this.stagedSinceFlush += entries.length;
		if (this.stagedSinceFlush >= (this.options.flushEvery ?? 100_000)) {
			this.stagedSinceFlush = 0;
			for (const name of new Set(entries.map(entry => entry.FeatureGroupName))) await this.flush(name).catch(() => undefined);
		}

		return result;
	}

	async deleteRecord(input: DeleteRecordInput, options?: WriteOptions): Promise<void> {
		await this.flushing;
		this.records.deleteRecord(input, options);
	}

	async bulkLoad(load: BulkLoad): Promise<BulkLoadResult> {
		await this.flushing;
		return this.bulk.load(load);
	}

	async readCheckpoint(key: string): Promise<number | undefined> {
		return this.records.readCheckpoint(key);
	}

	/** Forget `key` and every key under `key/`. */
	async forgetCheckpoint(key: string): Promise<void> {
		this.records.forgetCheckpoints(key);
	}

	async clearOfflineStore(name: string): Promise<number> {
		const group = this.catalog.get(name);
		if (!hasOfflineStore(group)) return 0;
		// Staged rows become files first, so the count is of every object
		// removed; rows that cannot be flushed are removed where they are staged.
		await this.flush(name).catch(() => undefined);
		return this.offline.clear(group);
	}

	async clearOnlineStore(name: string): Promise<number> {
		const group = this.catalog.get(name);
		return hasOnlineStore(group) ? this.records.clearOnline(group.FeatureGroupName) : 0;
	}

	/** Write every staged offline row of a group to Parquet; an error names the group and the way out. */
	async flush(name: string): Promise<void> {
		await this.flushGroup(this.catalog.get(name));
	}

	/**
	 * Write every group's staged offline rows to Parquet. A group whose rows
	 * cannot be written does not stop the others: its rows stay staged and
	 * its error is returned, by group name (reads of that group raise it).
	 */
	async flushAll(): Promise<Map<string, Error>> {
		const failed = new Map<string, Error>();
		for (const group of this.catalog.list()) {
			try {
				await this.flushGroup(group);
			} catch (error) {
				failed.set(group.FeatureGroupName, error as Error);
			}
		}

		return failed;
	}

	private async flushGroup(group: FeatureGroup): Promise<void> {
		const run = this.flushing.then(() => this.offline.flush(group));
		this.flushing = run.catch(() => undefined);
		await run;
	}

	/** The Parquet files of a group's offline store (relative to its data directory). */
	offlineFiles(name: string): {dir: string; files: string[]} {
		const group = this.catalog.get(name);
		return {dir: this.offline.dataDir(group), files: this.offline.files(group)};
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		try {
			// Rows a group cannot flush stay staged (durable); the next read of that group says why.
			await this.flushAll();
		} finally {
			this.offline.close();
			this.db.close();
		}
	}

	private async offlineGroup(name: string, flush = true): Promise<FeatureGroup> {
		const group = this.catalog.get(name);
		if (!hasOfflineStore(group)) {
			throw usageError(
				`Feature group ${name} has no offline store (its Athena table does not exist).`,
				'Read it from the online store instead: `fs get`, or `fs migrate` (which lists its records).',
				'TableNotFound',
			);
		}

		if (flush) await this.flush(name);
		return group;
	}
}
