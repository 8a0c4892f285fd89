/**
 * The store port: one interface for the embedded store and the AWS service.
 * Everything is asynchronous; large results are streamed in batches and
 * paginated results are followed to the end by the adapter.
 */
import type {
	CreateFeatureGroupInput, DeletionMode, FeatureDefinition, FeatureGroup, FsRecord, TargetStore, TtlDuration,
} from '../core/types.js';

/**
 * winners: per identifier the row a replay of its history in order leaves
 * online (the latest valid event time, then the earliest API invocation and
 * write time), delete markers included, each with the column
 * `copiedColumn` (core/names); with `OfflineQuery.residual`, the identifiers
 * that have a row of it come with all their rows instead, in history order,
 * `copiedColumn` false. `except` leaves out only those identifiers' rows:
 * a winner goes online even when its row is in the target's offline store
 * (a run that copied the history may have stopped before its online
 * writes). Stores with `serverCopy` only.
 */
export type ReadMode = 'history' | 'snapshot' | 'winners';

export interface OfflineQuery {
	/**
	 * history: every row (delete markers included, `is_deleted` true); each
	 * record identifier's rows together and in event-time order (then
	 * api_invocation_time, write_time). snapshot: the latest row of each
	 * record identifier, unless that row is a delete marker. The order is the
	 * same on every read of unchanged data; identifiers come in ascending order
	 * where the store can sort the whole result (Athena; a small local store),
	 * else in hash buckets each sorted (a large local store, to keep memory flat).
	 */
	mode: ReadMode;
	/**
	 * The condition of an Athena WHERE clause, given a first look by
	 * core/filter; a store that runs it itself must check it in its own
	 * engine (the embedded store: offline-filter.ts).
	 */
	where?: string;
	/** Feature names to return; default all features. */
	columns?: string[];
	/** Also return write_time, api_invocation_time and is_deleted. */
	includeMetadata?: boolean;
	limit?: number;
	/** Any `limit` rows, in no particular order (a history read; the plan's sample of record sizes): a hint. */
	sample?: boolean;
	/** Rows per batch; a hint. */
	batchSize?: number;
	/**
	 * Snapshots: also split the rows into this many parts by identifier (see
	 * OfflineSnapshot.parts), one per worker; a hint a store may ignore.
	 */
	parts?: number;
	/**
	 * Snapshots for bulk loads: the rows of each part may come in any fixed
	 * order (no sort), each part then names its winners (SnapshotRange.winners);
	 * a hint a store may ignore.
	 */
	unordered?: boolean;
	/** Leave out the rows a migration's target already holds (see ExistingRows). */
	except?: ExistingRows;
	/** Winners: the condition on a row that its identifier was not copied server-side (see ReadMode). */
	residual?: string;
}

/**
 * Where a group's offline rows are, as a query engine reads them: the
 * embedded store's Parquet directory (DuckDB), or the service's Glue table
 * (Athena, in one account and region). A store compares its rows with a
 * location it `reaches` (docs/existing-rows.md).
 */
export type OfflineLocation =
	| {engine: 'duckdb'; dir: string; hasFiles: boolean}
	| {engine: 'athena'; table: string; account: string; region: string; endpoint: string};

/**
 * The rows of a migration's target, for a source query to leave out those it
 * holds already: the same deletion and the same values of every feature the
 * target gets from the source (identifier and event time among them), the
 * source's value cast to the target's type; a target feature the source does
 * not have must be empty. The comparison runs where the data is.
 */
export interface ExistingRows {
	at: OfflineLocation;
	/** Source feature → the target feature it is written as (copied or cast). */
	pairs: Array<{source: FeatureDefinition; target: FeatureDefinition}>;
	/** Target features the migration leaves empty. */
	empty: FeatureDefinition[];
}

/**
 * Rows of the offline store, column-major: `columns[c][r]` is the value of
 * column `names[c]` in row r (null = no value). Values are the runtime API's
 * strings (collections as string arrays); metadata columns are ISO-8601 UTC
 * timestamps and "true"/"false".
 */
export interface OfflineBatch {
	names: string[];
	columns: Array<Array<string | string[] | null>>;
	length: number;
}

export interface WriteEntry {
	FeatureGroupName: string;
	Record: FsRecord;
	TargetStores?: TargetStore[];
	TtlDuration?: TtlDuration;
}

export interface WriteError {
	/** Index of the entry in the request. */
	index: number;
	ErrorCode: string;
	ErrorMessage: string;
}

export interface BatchWriteResult {
	errors: WriteError[];
	/** Indexes of entries the store did not process: send them again. */
	unprocessed: number[];
}

export interface BatchGetResult {
	records: Array<{RecordIdentifier: string; Record: FsRecord}>;
	errors: Array<{RecordIdentifier: string; ErrorCode: string; ErrorMessage: string}>;
	unprocessed: string[];
}

export interface DeleteRecordInput {
	FeatureGroupName: string;
	RecordIdentifier: string;
	EventTime: string;
	DeletionMode?: DeletionMode;
	TargetStores?: TargetStore[];
}

/**
 * A write may carry a checkpoint: the position a migration partition reaches
 * once this call is done. Stores that can (the embedded store) save it in the
 * same transaction as the records, so a resumed migration neither repeats nor
 * skips a call; the others ignore it (the engine also keeps a checkpoint
 * file).
 */
export interface WriteOptions {
	checkpoint?: {key: string; position: number};
	/**
	 * Called with the entries the store refuses, before the call's checkpoint
	 * is saved (inside its transaction, where the store keeps one): whoever
	 * records refusals (the failed-records file) does so before the position
	 * moves past them, so a kill -9 cannot lose one. Stores that keep no
	 * checkpoint need not call it.
	 */
	onRefused?(errors: WriteError[]): void;
}

/**
 * A query's result saved once, to be read back any number of times in the
 * same order (a resumed migration reads exactly the rows the first run read).
 * JSON-serializable, so a checkpoint can hold it.
 */
export interface OfflineSnapshot {
	kind: 'parquet';
	files: string[];
	names: string[];
	rows: number;
	/**
	 * Row ranges of the files, each holding every row of its identifiers (in
	 * the snapshot's order): part i is worker i % workers' share, read by
	 * range instead of by hashing every row. Without parts, workers share the
	 * rows by SnapshotPartition.
	 */
	parts?: SnapshotRange[];
}

/** A hash partition of a snapshot's rows. */
export interface SnapshotPartition {
	index: number;
	of: number;
	column: string;
}

/** Rows `first` to `first + count - 1` (0-based) of one file of a snapshot. */
export interface SnapshotRange {
	file: string;
	first: number;
	count: number;
	/**
	 * An unordered snapshot's part: a Parquet file of the row numbers (column
	 * `n`, ascending) of its winners, each identifier's row the online store
	 * ends with: the latest event time, then the earliest API invocation
	 * time, write time and row. Only these go online; the other rows are
	 * history, for the offline store.
	 */
	winners?: string;
	/** What the winners file adds to this file's row numbers (it may list several files' rows); default 0. */
	base?: number;
	/** The part (worker) the range belongs to; default its index in OfflineSnapshot.parts. */
	part?: number;
}

/**
 * Rows for a bulk load (an embedded target): one Parquet file of a snapshot,
 * optionally one partition of it, `skip` rows in, at most `limit` rows. The
 * store applies the same rules as BatchWriteRecord and SoftDelete, in order.
 */
export interface FeatureGroupUpdate {
	FeatureAdditions?: FeatureDefinition[];
	/** The online store's TTL (null: none). */
	TtlDuration?: TtlDuration | null;
}

export interface BulkLoad {
	FeatureGroupName: string;
	file: string;
	/** A hash partition of the file, or a range of its rows (a snapshot's part). */
	partition?: SnapshotPartition | SnapshotRange;
	/** Rows of the (partitioned) file already done. */
	skip: number;
	limit: number;
	/** Target feature → the file's column holding its value; a feature not named is left empty. */
	columns: Record<string, string>;
	/** The file's column marking delete markers ("true"), replayed as SoftDeletes. */
	deletedColumn?: string;
	/** Saved with the rows: `position` is the load's first row; the store saves position + rows loaded. */
	checkpoint?: {key: string; position: number};
	/**
	 * Progress inside the load, which commits all at once: its rows as they
	 * go through its steps, each step counting its share of them (read and
	 * checked, offline files written, online winners chosen). Views show
	 * them as in flight, never as written; the result's `rows` are written.
	 */
	progress?(inFlight: number): void;
}

export type BulkLoadResult =
	/**
	 * `total`: rows of the (partitioned) file; `rows`: rows loaded now, of
	 * which `deletes` delete markers; `bytes`: their approximate size.
	 */
	| {ok: true; total: number; rows: number; deletes: number; bytes: number}
	/** Nothing written: some row needs the record-by-record path (which reports it). */
	| {ok: false; total: number; reason: string};

export interface StoreLimits {
	/** Entries per batchWrite call (BatchWriteRecord: 25). */
	batchWrite: number;
	/** Identifiers per batchGet call (BatchGetRecord: 100). */
	batchGet: number;
	/**
	 * Whether one writer may have several batchWrite calls in flight. Not when
	 * the store saves a call's checkpoint with its records: positions must
	 * then follow one another.
	 */
	concurrentWrites: boolean;
}

export interface StoreInfo {
	kind: 'local' | 'sagemaker';
	/** Where: the directory, or region and account. */
	location: string;
	region?: string;
	account?: string;
	/**
	 * A directory every user of the store sees (the embedded store's own):
	 * migrations into its groups take their locks there.
	 */
	sharedDir?: string;
	/** What a new group gets where `fs create` is not told (the embedded store has its own; the service needs them given). */
	createDefaults?: {s3Uri: string; roleArn: string};
}

/**
 * What a store can do, for the engine and the commands to branch on instead
 * of its kind (docs/architecture.md: adding a store).
 */
export interface StoreCapabilities {
	/** Takes a snapshot's rows in bulk loads (`bulkLoad`), unordered. */
	bulkLoad: boolean;
	/** Saves a write's checkpoint in the same transaction as its records (`WriteOptions.checkpoint`). */
	transactionalCheckpoint: boolean;
	/** Writing is CPU work on this machine: more writers than cores only take turns. */
	cpuBoundWrites: boolean;
	/** Offline rows can be counted exactly right after they are written (verification counts before and after). */
	exactOfflineCount: boolean;
	/** Copies offline history with its own query engine (`copyOffline`): Athena, into a table it reaches. */
	serverCopy: boolean;
}

/**
 * An offline history copied by the store's query engine into another
 * group's offline store (Athena: UNLOAD into a Glue table's location,
 * INSERT INTO an Iceberg table): docs/server-copy.md.
 */
export interface OfflineCopy {
	source: FeatureGroup;
	target: FeatureGroup;
	/** Each target feature from the source feature of the same name (copied, or cast exactly), or left empty. */
	features: Array<{target: FeatureDefinition; source?: FeatureDefinition}>;
	/** The rows: a filter (and a shard's condition), in Athena's SQL. */
	where?: string;
	/** Rows the target holds already, left out (OfflineQuery.except). */
	except?: ExistingRows;
	/** The copy's write and API invocation time: its rows carry it, so a copy cut short is found and removed by it. */
	at: Date;
	/** Names the copy's objects (a Glue table's prefix `fs-copy-TAG/`). */
	tag: string;
}

export interface Store {
	readonly info: StoreInfo;
	readonly capabilities: StoreCapabilities;
	readonly limits: StoreLimits;

	/**
	 * Where a group really is, whatever the flags that named it: the embedded
	 * store's real directory and the name, or the service's endpoint and the
	 * group's ARN (account, region, name). Two equal identities are one group.
	 */
	groupIdentity(group: FeatureGroup): string;

	/** Bytes its query engine billed as scanned so far (Athena); undefined where nothing is billed by the byte. */
	scannedBytes(): number | undefined;

	listFeatureGroups(): Promise<FeatureGroup[]>;
	describeFeatureGroup(name: string): Promise<FeatureGroup>;
	createFeatureGroup(input: CreateFeatureGroupInput): Promise<FeatureGroup>;
	/**
	 * Delete a feature group as DeleteFeatureGroup does: it is `Deleting`,
	 * then gone; its online records go with it, its offline store's files in
	 * S3 stay (the service leaves them). Resolves once the deletion is under
	 * way; describe says when it is gone (ResourceNotFound).
	 */
	deleteFeatureGroup(name: string): Promise<void>;
	/**
	 * UpdateFeatureGroup: features added (never removed or changed), the
	 * online store's TTL set. Resolves with the group once the update has
	 * taken (LastUpdateStatus Successful).
	 */
	updateFeatureGroup(name: string, update: FeatureGroupUpdate): Promise<FeatureGroup>;

	/** Offline rows matching the query, streamed in batches. */
	readOffline(name: string, query: OfflineQuery): AsyncIterable<OfflineBatch>;
	/** How many rows readOffline would return (before limit). */
	countOffline(name: string, query: Pick<OfflineQuery, 'mode' | 'where' | 'except' | 'residual'>): Promise<number>;
	/** How many records the online store holds, where the store can count them at no cost (else undefined). */
	countOnline(name: string): Promise<number | undefined>;
	/** Where the group's offline rows are (undefined: it has none a query engine reads). */
	offlineLocation(group: FeatureGroup): Promise<OfflineLocation | undefined>;
	/** Whether this store's query engine reads rows at `location` (OfflineQuery.except). */
	reaches(location: OfflineLocation): boolean;

	/** Record identifiers in the online store, page by page (ListRecords). */
	listRecordIdentifiers(name: string, options?: {includeSoftDeleted?: boolean; pageSize?: number}): AsyncIterable<string[]>;
	getRecord(name: string, recordIdentifier: string, featureNames?: string[]): Promise<FsRecord | undefined>;
	batchGet(name: string, recordIdentifiers: string[], featureNames?: string[]): Promise<BatchGetResult>;

	/** Save a query's result in `dir` for readSnapshot (see OfflineSnapshot). */
	snapshotOffline(name: string, query: OfflineQuery, dir: string): Promise<OfflineSnapshot>;
	/**
	 * The snapshot's rows in order; with a partition, only the rows whose
	 * `column` hashes to `index` of `of` (same order, same split on every read),
	 * so that workers can each read their own share; with a range, that range
	 * of its file.
	 */
	readSnapshot(snapshot: OfflineSnapshot, partition?: SnapshotPartition | SnapshotRange): AsyncIterable<OfflineBatch>;

	/** Why this copy cannot be made server-side (a cast SQL cannot match, say), or undefined when it can. */
	offlineCopyProblem?(copy: OfflineCopy): string | undefined;
	/**
	 * The condition on a source row that SQL cannot cast one of its values
	 * exactly (OfflineQuery.residual): its identifier is left out of the copy
	 * and goes through the API whole. Undefined when every value casts.
	 */
	offlineCopyResidual?(copy: OfflineCopy): string | undefined;
	/** Copy an offline history server-side (capabilities.serverCopy); returns the rows copied. */
	copyOffline?(copy: OfflineCopy): Promise<number>;
	/** Remove what a copy cut short wrote (before it runs again), by its tag and time. */
	undoOfflineCopy?(copy: OfflineCopy): Promise<void>;

	/** Write up to `limits.batchWrite` records (BatchWriteRecord semantics). */
	batchWrite(entries: WriteEntry[], options?: WriteOptions): Promise<BatchWriteResult>;
	deleteRecord(input: DeleteRecordInput, options?: WriteOptions): Promise<void>;
	/**
	 * Where a store can (the embedded one): write many rows at once, all or
	 * nothing, the checkpoint with them. Stores without it get records.
	 */
	bulkLoad?(load: BulkLoad): Promise<BulkLoadResult>;
	/** The last checkpoint position saved with a write under `key`, where the store keeps them. */
	readCheckpoint(key: string): Promise<number | undefined>;
	forgetCheckpoint(key: string): Promise<void>;
	/** Delete this group's own offline data; returns the number of objects removed. */
	clearOfflineStore(name: string): Promise<number>;
	/**
	 * Where a store can (the embedded one): remove every online record of the
	 * group at once, as a HardDelete with TargetStores=OnlineStore of each
	 * listed identifier would (no offline markers); returns how many ListRecords
	 * (soft-deleted included) would have listed. Others are cleared record by record.
	 */
	clearOnlineStore?(name: string): Promise<number>;

	close(): Promise<void>;
}
