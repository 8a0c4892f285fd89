/**
 * The embedded store's SQLite database: the catalog of feature groups, the
 * online store (latest record per identifier) and the offline staging table
 * (rows waiting to be written to Parquet), and the Parquet files of bulk
 * loads that are committed but not yet moved into place. WAL mode lets several processes
 * and worker threads share one store; a busy writer waits, it never corrupts.
 */
import Database from 'better-sqlite3';

export type Sqlite = Database.Database;

const schema = `
CREATE TABLE IF NOT EXISTS feature_groups (
	name TEXT PRIMARY KEY,
	doc TEXT NOT NULL,
	status TEXT NOT NULL,
	ready_at_ms INTEGER
);
CREATE TABLE IF NOT EXISTS online_records (
	group_name TEXT NOT NULL,
	record_id TEXT NOT NULL,
	event_time_ms INTEGER NOT NULL,
	record TEXT NOT NULL,
	deleted INTEGER NOT NULL DEFAULT 0,
	expires_at_ms INTEGER
); -- keyed by online_records_key (group_name, record_id): rows in insertion order write faster than a WITHOUT ROWID tree
CREATE TABLE IF NOT EXISTS offline_staging (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	group_name TEXT NOT NULL,
	event_time_ms INTEGER NOT NULL,
	write_time_ms INTEGER NOT NULL,
	api_time_ms INTEGER NOT NULL,
	is_deleted INTEGER NOT NULL,
	record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS write_checkpoints (
	key TEXT PRIMARY KEY,
	position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS offline_pending (
	dir TEXT PRIMARY KEY,
	group_name TEXT NOT NULL,
	seed TEXT NOT NULL,
	api_time_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS offline_staging_group ON offline_staging (group_name, seq);
`;

export function openDatabase(file: string): Sqlite {
	const db = new Database(file, {timeout: 30_000});
	// Records are ~0.5 KB: 16 KB pages hold more of them per write (a new store only).
	db.pragma('page_size = 16384');
	db.pragma('journal_mode = WAL');
	db.pragma('synchronous = NORMAL');
	db.pragma('busy_timeout = 30000');
	// A bulk load upserts tens of thousands of records in one transaction: a
	// 64 MB page cache keeps SQLite from spilling and re-reading pages.
	db.pragma('cache_size = -65536');
	db.exec(schema);
	// Stores made by earlier versions keep their WITHOUT ROWID table, keyed already.
	const online = db.prepare('SELECT sql FROM sqlite_master WHERE name = \'online_records\'').pluck().get() as string;
	if (!/WITHOUT ROWID/i.test(online)) db.exec('CREATE UNIQUE INDEX IF NOT EXISTS online_records_key ON online_records (group_name, record_id)');
	return db;
}

/** Whether an error is SQLite telling us another writer holds the lock. */
export const isBusy = (error: unknown) =>
	error instanceof Error && /SQLITE_BUSY|database is locked/i.test(`${(error as {code?: string}).code ?? ''} ${error.message}`);
