/**
 * The embedded store's SQLite database: the catalog of feature groups, the
 * online store (latest record per identifier) and the offline staging table
 * (rows waiting to be written to Parquet), and the Parquet files of bulk
 * loads that are committed but not yet moved into place. WAL mode lets several processes
 * and worker threads share one store; a busy writer waits, it never corrupts.
 */
import Database from 'better-sqlite3';

/**
 * A better-sqlite3 database whose native objects are never left to the
 * garbage collector. Its Database and Statement are node::ObjectWrap objects;
 * from Node 24.19 on, destroying one calls RemoveEnvironmentCleanupHook,
 * which aborts the process (`Assertion failed: (env) != nullptr`) when the
 * collector finalizes it with no JavaScript context entered: an idle GC, or
 * one while a thread is torn down. So a statement is prepared once per SQL
 * text and kept as long as its database, and every database is kept for the
 * life of the thread (closed, a few hundred bytes): none is ever finalized
 * by the collector; the environment's own cleanup frees them at exit.
 * PRAGMAs go through exec, which makes no Statement. (better-sqlite3 13
 * fixes this but needs Node 22: docs/node-versions.md.)
 */
export class Sqlite {
	private static readonly kept = new Set<Sqlite>();
	private readonly statements = new Map<string, Database.Statement<any>>();

	constructor(private readonly db: Database.Database) {
		Sqlite.kept.add(this);
	}

	/** The statement for `sql`, prepared on first use; in its default (not plucked) mode. */
	prepare<Parameters extends unknown[] | {} = unknown[]>(sql: string): Database.Statement<Parameters> {
		let statement = this.statements.get(sql) as Database.Statement<Parameters> | undefined;
		if (!statement) {
			statement = this.db.prepare<Parameters>(sql);
			this.statements.set(sql, statement);
		}

		return statement.reader ? statement.pluck(false) as Database.Statement<Parameters> : statement;
	}

	exec(sql: string): void {
		this.db.exec(sql);
	}

	transaction<F extends (...args: any[]) => unknown>(run: F): Database.Transaction<F> {
		return this.db.transaction(run);
	}

	close(): void {
		this.db.close();
	}
}

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
	const db = new Sqlite(new Database(file, {timeout: 30_000}));
	// Records are ~0.5 KB: 16 KB pages hold more of them per write (a new store only).
	// A bulk load upserts tens of thousands of records in one transaction: a
	// 64 MB page cache keeps SQLite from spilling and re-reading pages.
	db.exec('PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000; PRAGMA cache_size = -65536');
	db.exec(schema);
	// Stores made by earlier versions keep their WITHOUT ROWID table, keyed already.
	const online = db.prepare('SELECT sql FROM sqlite_master WHERE name = \'online_records\'').pluck().get() as string;
	if (!/WITHOUT ROWID/i.test(online)) db.exec('CREATE UNIQUE INDEX IF NOT EXISTS online_records_key ON online_records (group_name, record_id)');
	return db;
}

/** Whether an error is SQLite telling us another writer holds the lock. */
export const isBusy = (error: unknown) =>
	error instanceof Error && /SQLITE_BUSY|database is locked/i.test(`${(error as {code?: string}).code ?? ''} ${error.message}`);
