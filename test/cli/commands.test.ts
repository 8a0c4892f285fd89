/**
 * The companion commands end to end: the built `fs` against a temporary
 * embedded store.
 */
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {gunzipSync} from 'node:zlib';
import {DuckDBInstance} from '@duckdb/node-api';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {demoSize} from '../../source/commands/demo-data.js';
import {fsWith} from '../helpers/cli.js';
import {tempDir} from '../helpers/temp.js';
import {openDatabase} from '../../source/stores/local/database.js';

const temp = tempDir('fs-commands-');
const fs = fsWith(`local:${path.join(temp.dir, 'store')}`);
const at = (name: string) => path.join(temp.dir, name);
const write = (name: string, text: string) => {
	writeFileSync(at(name), text);
	return at(name);
};

const schema = [
	{FeatureName: 'id', FeatureType: 'String'},
	{FeatureName: 'event_time', FeatureType: 'String'},
	{FeatureName: 'n', FeatureType: 'Integral'},
	{FeatureName: 'x', FeatureType: 'Fractional'},
	{FeatureName: 'note', FeatureType: 'String'},
];

// Values that break naive CSV and JSON handling, and the Integral extremes.
const tricky = [
	{id: 'a', event_time: '2024-01-01T00:00:00Z', n: '9223372036854775807', x: '0.1', note: 'comma, "quotes"\nand a newline'},
	{id: 'b', event_time: '2024-01-02T00:00:00Z', n: '-9223372036854775808', x: '-2.5e-7', note: ''},
	{id: 'c', event_time: '2024-01-03T00:00:00.123Z', n: '0', note: '  padded  '},
];

beforeAll(async () => {
	const created = await fs(['create', 'things', '--schema-file', write('schema.json', JSON.stringify(schema))]);
	expect(created.code).toBe(0);
	expect(created.stdout).toContain('things Created (online+offline)');
	const records = `[\n${tricky.map(record => `{"id": ${JSON.stringify(record.id)}, "event_time": "${record.event_time}", "n": ${record.n}${record.x ? `, "x": ${record.x}` : ''}, "note": ${JSON.stringify(record.note)}}`).join(',\n')}\n]`;
	const put = await fs(['bulk-put', 'things', write('tricky.json', records)]);
	expect(put.stderr).toContain('Put 3 of 3 records');
	expect(put.code).toBe(0);
});
afterAll(() => temp.remove());

describe('list and schema', () => {
	it('lists groups as a table and as JSON', async () => {
		const table = await fs(['list']);
		expect(table.stdout).toMatch(/^NAME\s+STATUS\s+STORES/);
		expect(table.stdout).toMatch(/things\s+Created\s+online\+offline\s+Standard/);
		expect(table.stderr).toContain('store local (');
		const json = JSON.parse((await fs(['list', '-o', 'json'])).stdout) as Array<Record<string, unknown>>;
		expect(json[0]).toMatchObject({FeatureGroupName: 'things', Stores: 'online+offline', RecordIdentifierFeatureName: 'id', TableFormat: 'Glue', AthenaTable: expect.stringMatching(/^sagemaker_featurestore\.things_\d+$/)});
	});

	it('prints the schema in the format create reads', async () => {
		const json = await fs(['schema', 'things', '-o', 'json']);
		expect(JSON.parse(json.stdout)).toEqual(schema);
		const table = await fs(['schema', 'things']);
		expect(table.stdout).toMatch(/id\s+String\s+record identifier/);
	});
});

describe('demo', () => {
	it('builds a demo of --customers N, with the counts its groups say, and refuses a size out of range', async () => {
		const demo = fsWith(`local:${at('small-demo')}`);
		const built = await demo(['demo', '--customers', '100', '--no-guide']);
		expect(built.stderr).not.toContain('✘');
		expect(built.code).toBe(0);
		const size = demoSize(100);
		// 120 customers × 5 versions and one delete marker.
		expect(built.stdout).toMatch(/customer-history\s+Created\s+online\+offline\s+600\s/);
		const plan = await demo(['migrate', 'customer-history', 'customer-history-v2', '--dry-run']);
		expect(plan.stdout).toContain(`Estimated records: ${size.histories * size.historyVersions + size.historyDeletes}`);
		expect(size).toMatchObject({histories: 120, historyDeletes: 1, profileDeletes: 1});
		const refused = await fs(['demo', '--store', `local:${at('tiny-demo')}`, '--customers', '50']);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toContain('--customers');
		expect(existsSync(at('tiny-demo'))).toBe(false);
	});
});

describe('create', () => {
	it('takes the store, storage, TTL and table format flags', async () => {
		const result = await fs(['create', 'offline-only', '--schema-file', at('schema.json'), '--no-online-store', '--table-format', 'Iceberg', '--json']);
		expect(result.code).toBe(0);
		const group = JSON.parse(result.stdout) as Record<string, unknown>;
		expect(group['OnlineStoreConfig']).toBeUndefined();
		expect(group['OfflineStoreConfig']).toMatchObject({TableFormat: 'Iceberg'});
		const ttl = JSON.parse((await fs(['create', 'with-ttl', '--schema-file', at('schema.json'), '--no-offline-store', '--ttl-duration', '7', '--storage-type', 'InMemory', '--json'])).stdout) as Record<string, unknown>;
		expect(ttl['OnlineStoreConfig']).toEqual({EnableOnlineStore: true, StorageType: 'InMemory', TtlDuration: {Unit: 'Days', Value: 7}});
		expect(ttl['OfflineStoreConfig']).toBeUndefined();
	});

	it('waits until the group is Created, or returns at once with --no-wait', async () => {
		const env = {FS_LOCAL_CREATE_DELAY_MS: '600'};
		const waited = await fs(['create', 'slow', '--schema-file', at('schema.json')], {env});
		expect(waited.stderr).toContain('waiting for slow to be Created');
		expect(waited.stdout).toContain('slow Created');
		const hurried = await fs(['create', 'hurried', '--schema-file', at('schema.json'), '--no-wait'], {env: {FS_LOCAL_CREATE_DELAY_MS: '60000'}});
		expect(hurried.stdout).toContain('hurried Creating');
		const refused = await fs(['bulk-put', 'hurried', at('tricky.json')]);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toContain('hurried is Creating, not Created');
	});

	it('refuses an S3 URI with "." or ".." segments, creating nothing', async () => {
		for (const uri of ['s3://bucket/a/../../x', 's3://bucket/./x', 's3://bucket/..']) {
			const result = await fs(['create', 'dotted', '--schema-file', at('schema.json'), '--s3-uri', uri]);
			expect(result.code, uri).toBe(2);
			expect(result.stderr).toContain(`The S3 URI ${uri} has a "." or ".." segment.`);
		}

		expect((await fs(['schema', 'dotted'])).code).toBe(2);
		expect(existsSync(path.join(temp.dir, 'store', 's3', 'x'))).toBe(false);
		expect(existsSync(path.join(temp.dir, 'x'))).toBe(false);
		// Dots inside a segment are a name like any other.
		expect((await fs(['create', 'dotted', '--schema-file', at('schema.json'), '--s3-uri', 's3://bucket/v1..v2', '--no-wait'])).code).toBe(0);
	});

	it('refuses an existing name', async () => {
		const result = await fs(['create', 'things', '--schema-file', at('schema.json')]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('things already exists');
	});
});

describe('delete-group', () => {
	it('asks for the typed name (refused off a terminal without --yes), deletes the group and its online records, keeps its offline files', async () => {
		expect((await fs(['create', 'doomed', '--schema-file', at('schema.json')])).code).toBe(0);
		expect((await fs(['bulk-put', 'doomed', at('tricky.json')])).code).toBe(0);
		const files = await fs(['export', 'doomed', at('doomed.json'), '--format', 'json']);
		expect(files.code).toBe(0);
		const refused = await fs(['delete-group', 'doomed']);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toMatch(/pass --yes to confirm in a script: fs delete-group doomed --yes/);
		expect((await fs(['schema', 'doomed'])).code).toBe(0);
		const deleted = await fs(['delete-group', 'doomed', '--yes', '--json']);
		expect(deleted.code, deleted.stderr).toBe(0);
		expect(JSON.parse(deleted.stdout)).toEqual({FeatureGroupName: 'doomed', status: 'Deleted', onlineRecordsDeleted: 3, offlineFilesKept: true});
		const listed = JSON.parse((await fs(['list', '-o', 'json'])).stdout) as Array<{FeatureGroupName: string}>;
		expect(listed.map(group => group.FeatureGroupName)).not.toContain('doomed');
		// The offline files stay in the store's S3, as the service leaves them.
		const s3 = path.join(temp.dir, 'store', 's3');
		const parquet = (dir: string): string[] => readdirSync(dir, {withFileTypes: true}).flatMap(entry => (entry.isDirectory() ? parquet(path.join(dir, entry.name)) : entry.name.endsWith('.parquet') ? [path.join(dir, entry.name)] : []));
		expect(parquet(s3).some(file => file.includes('/offline-store/doomed-'))).toBe(true);
		const missing = await fs(['delete-group', 'doomed', '--yes']);
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain('Feature group doomed does not exist');
	});
});

describe('add-features', () => {
	it('adds features (NAME:TYPE or a schema file) that rows written before read as empty; refuses a name taken, a bad type, nothing to add', async () => {
		expect((await fs(['create', 'growing', '--schema-file', at('schema.json')])).code).toBe(0);
		expect((await fs(['bulk-put', 'growing', at('tricky.json')])).code).toBe(0);
		const added = await fs(['add-features', 'growing', 'tier:String', 'scores:List<Fractional>', '--json']);
		// A List needs an InMemory online store: refused, nothing added.
		expect(added.code).toBe(2);
		expect(added.stderr).toContain('Collection feature scores needs an InMemory online store');
		const ok = await fs(['add-features', 'growing', 'tier:String', 'score:Fractional']);
		expect(ok.code, ok.stderr).toBe(0);
		expect(ok.stdout).toContain('2 features added (5 → 7): tier, score');
		writeFileSync(at('more.json'), JSON.stringify([{FeatureName: 'rank', FeatureType: 'Integral'}]));
		expect((await fs(['add-features', 'growing', '--schema-file', at('more.json')])).code).toBe(0);
		const schema = JSON.parse((await fs(['schema', 'growing', '-o', 'json'])).stdout) as Array<{FeatureName: string}>;
		expect(schema.map(feature => feature.FeatureName)).toEqual(['id', 'event_time', 'n', 'x', 'note', 'tier', 'score', 'rank']);
		// Old rows read the new features as empty; a new row holds them.
		writeFileSync(at('later.json'), JSON.stringify([{id: 'd', event_time: '2024-02-01T00:00:00Z', n: 4, tier: 'gold', rank: 1}]));
		expect((await fs(['bulk-put', 'growing', at('later.json')])).code).toBe(0);
		expect((await fs(['export', 'growing', at('growing.json'), '--format', 'json'])).code).toBe(0);
		const rows = JSON.parse(readFileSync(at('growing.json'), 'utf8')) as Array<Record<string, unknown>>;
		expect(rows.map(row => [row['id'], row['tier'] ?? null, row['rank'] ?? null])).toEqual([['a', null, null], ['b', null, null], ['c', null, null], ['d', 'gold', 1]]);
		expect(JSON.parse((await fs(['get', 'growing', 'd', '-o', 'json'])).stdout)).toMatchObject({tier: 'gold', rank: 1});
		const taken = await fs(['add-features', 'growing', 'TIER:String']);
		expect(taken.code).toBe(2);
		expect(taken.stderr).toContain('growing has a feature TIER already');
		const badType = await fs(['add-features', 'growing', 'flag:Boolean']);
		expect(badType.code).toBe(2);
		expect(badType.stderr).toContain('Cannot read the feature "flag:Boolean"');
		expect((await fs(['add-features', 'growing'])).stderr).toContain('`fs add-features` needs the features to add');
	});
});

describe('get', () => {
	it('prints the online record with exact values', async () => {
		const result = await fs(['get', 'things', 'a']);
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('"n": 9223372036854775807');
		expect(JSON.parse(result.stdout)).toMatchObject({id: 'a', note: tricky[0]!.note, x: 0.1});
		const table = await fs(['get', 'things', 'b', '--feature-names', 'n,note', '-o', 'table']);
		expect(table.stdout).toMatch(/n\s+Integral\s+-9223372036854775808/);
		expect(table.stdout).not.toContain('event_time');
	});

	it('exits 1 with a message for an absent record', async () => {
		const result = await fs(['get', 'things', 'zzz']);
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('No record "zzz"');
	});
});

describe('export', () => {
	it('round-trips tricky values through CSV: empty string, quotes, commas, newlines', async () => {
		const result = await fs(['export', 'things', at('out.csv')]);
		expect(result.code).toBe(0);
		const text = readFileSync(at('out.csv'), 'utf8');
		expect(text).toBe([
			'id,event_time,n,x,note',
			'a,2024-01-01T00:00:00Z,9223372036854775807,0.1,"comma, ""quotes""\nand a newline"',
			'b,2024-01-02T00:00:00Z,-9223372036854775808,-2.5e-7,""',
			'c,2024-01-03T00:00:00.123Z,0,,"  padded  "',
			'',
		].join('\n'));
		// Put back into a fresh group: the same rows come out.
		await fs(['create', 'things-copy', '--schema-file', at('schema.json')]);
		expect((await fs(['bulk-put', 'things-copy', at('out.csv')])).code).toBe(0);
		await fs(['export', 'things-copy', at('copy.csv')]);
		expect(readFileSync(at('copy.csv'), 'utf8')).toBe(text);
		const empty = await fs(['get', 'things-copy', 'b']);
		expect(JSON.parse(empty.stdout)['note']).toBe('');
		expect(JSON.parse((await fs(['get', 'things-copy', 'c'])).stdout)['x']).toBeUndefined();
	});

	it('writes JSON as one array of flat objects, gzipped with --compress', async () => {
		const result = await fs(['export', 'things', at('out.json'), '--format', 'json', '--compress']);
		expect(result.code).toBe(0);
		expect(existsSync(at('out.json.gz'))).toBe(true);
		const text = gunzipSync(readFileSync(at('out.json.gz'))).toString('utf8');
		expect(text).toContain('"n": 9223372036854775807');
		const rows = JSON.parse(text) as Array<Record<string, unknown>>;
		expect(rows.map(row => row['id'])).toEqual(['a', 'b', 'c']);
		expect(rows[2]).toEqual({id: 'c', event_time: '2024-01-03T00:00:00.123Z', n: 0, x: null, note: '  padded  '});
		// The gzipped export is bulk-put input as it is.
		await fs(['create', 'from-gz', '--schema-file', at('schema.json')]);
		expect((await fs(['bulk-put', 'from-gz', at('out.json.gz')])).code).toBe(0);
		expect(JSON.parse((await fs(['get', 'from-gz', 'a'])).stdout)['note']).toBe(tricky[0]!.note);
	});

	it('writes typed Parquet', async () => {
		expect((await fs(['export', 'things', at('out.parquet')])).code).toBe(0);
		const connection = await (await DuckDBInstance.create(':memory:')).connect();
		const reader = await connection.runAndReadAll(`SELECT id, n, x, note FROM '${at('out.parquet')}' ORDER BY id`);
		expect(reader.getRows()).toEqual([['a', 9223372036854775807n, 0.1, tricky[0]!.note], ['b', -9223372036854775808n, -2.5e-7, ''], ['c', 0n, null, '  padded  ']]);
		connection.closeSync();
	});

	it('applies --limit, --columns, --where, --mode and --include-metadata', async () => {
		const limited = await fs(['export', 'things', '-', '--limit', '2', '--columns', 'id,n', '--format', 'json']);
		expect(limited.stdout).toContain('"n": 9223372036854775807');
		expect((JSON.parse(limited.stdout) as Array<{id: string}>).map(row => row.id)).toEqual(['a', 'b']);
		expect(limited.stdout).toContain('-9223372036854775808');
		const where = await fs(['export', 'things', '-', '--columns', 'id', '--where', 'WHERE from_iso8601_timestamp(event_time) >= from_iso8601_timestamp(\'2024-01-02T00:00:00Z\')']);
		expect(where.stdout).toBe('id\nb\nc\n');
		await fs(['bulk-put', 'things', write('newer.csv', 'id,event_time,n\na,2024-02-01T00:00:00Z,5\n')]);
		const snapshot = await fs(['export', 'things', '-', '--columns', 'id,n', '--mode', 'snapshot']);
		expect(snapshot.stdout).toBe('id,n\na,5\nb,-9223372036854775808\nc,0\n');
		const metadata = await fs(['export', 'things', '-', '--columns', 'id', '--include-metadata', '--limit', '1', '--format', 'json']);
		expect(JSON.parse(metadata.stdout)[0]).toMatchObject({id: 'a', is_deleted: false, write_time: expect.stringMatching(/Z$/)});
	});

	it('exports an empty group as a header or an empty array', async () => {
		await fs(['create', 'empty', '--schema-file', at('schema.json')]);
		expect((await fs(['export', 'empty', '-'])).stdout).toBe('id,event_time,n,x,note\n');
		expect(JSON.parse((await fs(['export', 'empty', '-', '--format', 'json'])).stdout)).toEqual([]);
	});
});

describe('bulk-put', () => {
	it('reports records the store refuses in a JSON-lines file and exits 3', async () => {
		await fs(['create', 'faulty', '--schema-file', at('schema.json')]);
		const rows = Array.from({length: 200}, (_, i) => `r${i},2024-01-01T00:00:00Z,${i}`);
		const file = write('many.csv', `id,event_time,n\n${rows.join('\n')}\n`);
		const result = await fs(['bulk-put', 'faulty', file, '--output-file', at('failed.jsonl'), '--batch-size', '30'], {env: {FS_LOCAL_FAULTS: 'error=0.1,throttle=0.3,seed=3'}});
		expect(result.code).toBe(3);
		const failed = readFileSync(at('failed.jsonl'), 'utf8').trim().split('\n').map(line => JSON.parse(line) as Record<string, unknown>);
		expect(failed.length).toBeGreaterThan(5);
		expect(failed[0]).toMatchObject({errorCode: 'InjectedFault', record: {id: expect.any(String)}, recordIdentifier: expect.any(String), eventTime: '2024-01-01T00:00:00Z'});
		expect(result.stderr).toContain(`Put ${200 - failed.length} of 200 records`);
		expect(result.stderr).toContain(`${failed.length} records failed; they are in ${at('failed.jsonl')}`);
		// Throttled entries were retried: everything not in the file is there.
		const ids = new Set(failed.map(row => row['recordIdentifier']));
		const exported = (await fs(['export', 'faulty', '-', '--columns', 'id'])).stdout.trim().split('\n').slice(1);
		expect(exported.length).toBe(200 - failed.length);
		for (const id of exported) expect(ids.has(id)).toBe(false);
	});
});

describe('clear', () => {
	it('dry-runs, then deletes only the group\'s own data with --yes', async () => {
		await fs(['create', 'to-clear', '--schema-file', at('schema.json')]);
		await fs(['bulk-put', 'to-clear', at('out.csv')]);
		const dry = await fs(['clear', 'to-clear', '--dry-run']);
		expect(dry.stderr).toContain('3 online records and 3 offline rows');
		expect(dry.stderr).toContain('Dry-run: nothing was deleted');
		const online = await fs(['clear', 'to-clear', '--online-only', '--yes']);
		expect(online.stderr).toContain('3 online records deleted');
		expect((await fs(['get', 'to-clear', 'a'])).code).toBe(1);
		// No delete markers offline (TargetStores=OnlineStore).
		expect((await fs(['export', 'to-clear', '-', '--include-metadata', '--columns', 'id'])).stdout.trim().split('\n')).toHaveLength(4);
		const all = await fs(['clear', 'to-clear', '--yes']);
		expect(all.code).toBe(0);
		expect((await fs(['export', 'to-clear', '-'])).stdout).toBe('id,event_time,n,x,note\n');
		// Its neighbours are untouched.
		expect((await fs(['get', 'things', 'a'])).code).toBe(0);
		expect((await fs(['export', 'things-copy', '-', '--columns', 'id'])).stdout).toBe('id\na\nb\nc\n');
	});
});

describe('a group whose staged offline rows cannot be written', () => {
	const wedged = fsWith(`local:${path.join(temp.dir, 'wedged')}`);
	const json = (name: string, records: string[]) => write(name, `[\n${records.join(',\n')}\n]`);

	it('bulk-put refuses text with a lone surrogate before writing anything', async () => {
		for (const name of ['good', 'bad']) expect((await wedged(['create', name, '--schema-file', at('schema.json')])).code).toBe(0);
		// Valid JSON, but not Unicode: it has no UTF-8 form, and Parquet refused it at every flush.
		const file = json('surrogate.json', ['{"id": "a", "event_time": "2024-01-01T00:00:00Z"}', '{"id": "b", "event_time": "2024-01-01T00:00:00Z", "note": "half \\ud800 a pair"}']);
		const result = await wedged(['bulk-put', 'bad', file]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('1 of 2 records cannot go into bad; nothing was written');
		expect(result.stderr).toMatch(/item 2 \(line 3\): b: note: "half \\ud800 a pair" is not valid Unicode: a lone surrogate at character 6/);
		expect((await wedged(['get', 'bad', 'a'])).code).toBe(1);
	});

	it('leaves every other group working, and says how to repair it', async () => {
		expect((await wedged(['bulk-put', 'good', json('good.json', ['{"id": "a", "event_time": "2024-01-01T00:00:00Z", "n": 1}'])])).code).toBe(0);
		// A row staged by an earlier version that did not check: planted as it would be.
		const db = openDatabase(path.join(temp.dir, 'wedged', 'store.sqlite'));
		db.prepare('INSERT INTO offline_staging (group_name, event_time_ms, write_time_ms, api_time_ms, is_deleted, record) VALUES (?, ?, ?, ?, 0, ?)')
			.run('bad', Date.UTC(2024, 0, 1), Date.now(), Date.now(), JSON.stringify({id: 'b', event_time: '2024-01-01T00:00:00Z', note: '\ud800'}));
		db.close();
		expect((await wedged(['list'])).code).toBe(0);
		expect((await wedged(['bulk-put', 'good', json('more.json', ['{"id": "b", "event_time": "2024-01-02T00:00:00Z", "n": 2}'])])).code).toBe(0);
		const exported = await wedged(['export', 'good', '-', '--columns', 'id,n']);
		expect(exported.stderr).not.toContain('✘');
		expect(exported.stdout).toBe('id,n\na,1\nb,2\n');
		expect((await wedged(['get', 'good', 'b'])).code).toBe(0);

		const broken = await wedged(['export', 'bad', '-']);
		expect(broken.code).toBe(1);
		expect(broken.stderr).toMatch(/bad has 1 staged offline row that cannot be written to Parquet \(seq \d+: note: "\\ud800" is not valid Unicode/);
		expect(broken.stderr).toContain('Other feature groups are not affected');
		expect(broken.stderr).toMatch(/DELETE FROM offline_staging WHERE group_name = 'bad' AND seq IN \(\d+\)"; or `fs clear bad --offline-only` drops bad's offline store with it/);
		const cleared = await wedged(['clear', 'bad', '--offline-only', '--yes']);
		expect(cleared.code).toBe(0);
		expect(cleared.stderr).toContain('1 offline row');
		expect((await wedged(['export', 'bad', '-'])).stdout).toBe('id,event_time,n,x,note\n');
	});
});
