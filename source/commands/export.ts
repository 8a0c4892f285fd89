import {defineCommand} from '../cli/command.js';
import {watchInterrupts} from '../cli/signals.js';
import {FsError} from '../core/errors.js';
import {parseWhere} from '../core/filter.js';
import {checkFeatureGroupName} from '../core/names.js';
import {openWriter, type OutputFormat} from '../io/write-records.js';
import {describeStore} from '../stores/open.js';
import {count as counted} from '../core/format.js';

export const exportCommand = defineCommand({
	name: 'export',
	summary: 'offline store rows to CSV, JSON or Parquet',
	args: [2, 2],
	flags: {
		format: {type: 'string', choices: ['csv', 'json', 'parquet']},
		compress: {type: 'boolean', default: false},
		limit: {type: 'integer', min: 0},
		columns: {type: 'list'},
		where: {type: 'string'},
		mode: {type: 'string', choices: ['history', 'snapshot'], default: 'history'},
		includeMetadata: {type: 'boolean', default: false},
	},
	help: `
Usage
  fs export FEATURE_GROUP FILE [options]

Streams rows of the offline store to FILE (- for stdout). Memory stays flat
however many rows there are.

Options
  --format csv|json|parquet  default: from FILE's extension, else csv
  --compress                 gzip to FILE.gz (Parquet: zstd inside the file)
  --limit N                  at most N rows
  --columns a,b              only these features
  --where "WHERE …"          an Athena WHERE clause
  --mode history|snapshot    history: every row ordered by identifier and event
                             time (default); snapshot: the latest row per identifier
  --include-metadata         add write_time, api_invocation_time, is_deleted
                             (and keep delete markers, which are left out otherwise)

JSON is one array of flat objects; Integral values are exact. CSV writes an
empty string as "" and no value as nothing.

Examples
  fs export customer-history backup.json --format json --compress
  fs export customer-history old.csv --where "WHERE from_iso8601_timestamp(event_time) < current_date - interval '90' day"
  fs export new-customer-profile - --limit 10 --format json`,
	async run(context) {
		const {flags} = context;
		const name = checkFeatureGroupName(context.input[0]!);
		let file = context.input[1]!;
		const format: OutputFormat = flags.format ?? formatOf(file);
		const {limit, columns, mode, includeMetadata, compress} = flags;
		const where = parseWhere(flags.where, '--where');
		if (compress && format !== 'parquet' && file !== '-' && !file.endsWith('.gz')) file += '.gz';
		const store = await context.store();
		const group = await store.describeFeatureGroup(name);
		// Delete markers are not records: leave them out unless asked for the metadata.
		const condition = mode === 'history' && !includeMetadata ? (where ? `(NOT is_deleted) AND (${where})` : 'NOT is_deleted') : where;
		const rows = store.readOffline(name, {mode, where: condition, columns, includeMetadata, limit});
		let writer;
		let count = 0;
		const interrupt = watchInterrupts();
		const progress = context.io.stderr.isTTY && file !== '-';
		try {
			for await (const batch of rows) {
				writer ??= openWriter(file, format, compress, group.FeatureDefinitions, batch.names, context.io.stdout);
				await writer.write(batch);
				count += batch.length;
				if (progress) context.io.stderr.write(`\r${counted(count)} rows…`);
				if (interrupt.signal) {
					await writer.abort();
					throw new FsError('interrupted', `Export stopped by ${interrupt.signal}; the partial ${file} was removed.`, 'Run the same command again to export from the start.');
				}
			}

			writer ??= openWriter(file, format, compress, group.FeatureDefinitions, [...(columns ?? group.FeatureDefinitions.map(feature => feature.FeatureName)), ...(includeMetadata ? ['write_time', 'api_invocation_time', 'is_deleted'] : [])], context.io.stdout);
			await writer.close();
		} catch (error) {
			if (!(error instanceof FsError && error.kind === 'interrupted')) await writer?.abort();
			throw error;
		} finally {
			interrupt.dispose();
			if (progress) context.io.stderr.write('\r\u001B[K');
		}

		const {errStyle} = context;
		context.note(`${errStyle.green('✔')} Exported ${counted(count)} row${count === 1 ? '' : 's'} of ${name} (${mode}) from ${describeStore(store)} to ${file === '-' ? 'stdout' : file}`);
	},
});

function formatOf(file: string): OutputFormat {
	const name = file.toLowerCase().replace(/\.gz$/, '');
	if (name.endsWith('.json')) return 'json';
	if (name.endsWith('.parquet')) return 'parquet';
	return 'csv';
}
