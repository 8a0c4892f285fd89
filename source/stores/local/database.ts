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
	expires_at_ms INTEGER,
	PRIMARY KEY (group_name, record_id)
) WITHOUT ROWID;
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
	db.pragma('journal_mode = WAL');
	db.pragma('synchronous = NORMAL');
	db.pragma('busy_timeout = 30000');
	db.exec(schema);
	return db;
}

/** Whether an error is SQLite telling us another writer holds the lock. */
export const isBusy = (error: unknown) =>
	error instanceof Error && /SQLITE_BUSY|database is locked/i.test(`${(error as {code?: string}).code ?? ''} ${error.message}`);
