/**
 * Shards: `--shard K/N` takes the record identifiers whose hash falls in
 * part K of N, so that N runs of one migration (on N machines, or as the N
 * tasks of an array job) split it without talking to each other
 * (docs/shards.md). The hash is the first 32 bits of the MD5 of the
 * identifier's text: the same number here, in Athena (Trino) and in the
 * embedded store's DuckDB (through the Trino layer), so every engine puts an
 * identifier in the same shard, and every version of it with it.
 */
import {createHash} from 'node:crypto';
import {usageError} from './errors.js';

export interface Shard {
	/** 1 to count. */
	index: number;
	count: number;
}

/** At most this many shards: past it a shard's share of an account's write quota is too thin to matter. */
export const maxShards = 1024;

export const shardLabel = (shard: Shard) => `${shard.index}/${shard.count}`;

/** `K/N` as typed (--shard, FS_SHARD); `from` names where it came from in a refusal. */
export function parseShard(text: string, from = '--shard'): Shard {
	const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
	const index = Number(match?.[1]);
	const count = Number(match?.[2]);
	if (!match || count < 1 || count > maxShards || index < 1 || index > count) {
		throw usageError(
			`${from} must be K/N with 1 ≤ K ≤ N ≤ ${maxShards}, got ${JSON.stringify(text)}.`,
			`Pass e.g. ${from === 'FS_SHARD' ? 'FS_SHARD=2/4' : '--shard 2/4'} for the second of four shards (an array job's index starts at 0: add 1).`,
		);
	}

	return {index, count};
}

/** The shard (1 to count) an identifier falls in. */
export function shardOf(identifier: string, count: number): number {
	return (Number.parseInt(createHash('md5').update(identifier, 'utf8').digest('hex').slice(0, 8), 16) % count) + 1;
}

export const inShard = (identifier: string, shard: Shard) => shardOf(identifier, shard.count) === shard.index;

/** The same test as a Trino condition on the group's record identifier column, for a WHERE clause. */
export function shardCondition(identifierColumn: string, shard: Shard): string {
	const column = `"${identifierColumn.replaceAll('"', '""')}"`;
	return `from_base(substr(to_hex(md5(to_utf8(CAST(${column} AS varchar)))), 1, 8), 16) % ${shard.count} = ${shard.index - 1}`;
}

/** A user's filter and a shard's condition, as one WHERE condition. */
export function withShard(filter: string | undefined, identifierColumn: string, shard: Shard | undefined): string | undefined {
	if (!shard || shard.count === 1) return filter;
	const condition = shardCondition(identifierColumn, shard);
	return filter ? `(${filter}) AND ${condition}` : condition;
}
