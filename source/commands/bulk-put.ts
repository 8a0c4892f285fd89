import {createWriteStream, type WriteStream} from 'node:fs';
import {defineCommand} from '../cli/command.js';
import {watchInterrupts} from '../cli/signals.js';
import {FsError, usageError} from '../core/errors.js';
import {isReservedFeatureName} from '../core/names.js';
import {checkRecord} from '../core/records.js';
import type {FeatureGroup, FsRecord} from '../core/types.js';
import {putRecords} from '../engine/write.js';
import {openInput, type InputFile, type InputRow} from '../io/read-records.js';
import {describeStore} from '../stores/open.js';
import type {Store} from '../stores/store.js';
import {count as counted} from '../core/format.js';

export const bulkPutCommand = defineCommand({
	name: 'bulk-put',
	summary: 'put records from a JSON or CSV file',
	args: [2, 2],
	flags: {
		batchSize: {type: 'integer', default: 100, max: 10_000},
		maxWorkers: {type: 'integer', default: 4, max: 64},
		outputFile: {type: 'string'},
		format: {type: 'string', choices: ['json', 'csv']},
	},
	help: `
Usage
  fs bulk-put FEATURE_GROUP FILE [--batch-size N] [--max-workers N] [--output-file LOG]

FILE is a JSON array of flat objects or a CSV with a header (optionally .gz);
values may be strings or numbers. The whole file is checked first: a wrong
column, a value that does not fit its type, a malformed event time or a missing
record identifier stops it with exit 2 before anything is written.
Records the store then refuses are written to LOG as JSON lines (default
./fs-bulk-put-failed-GROUP-TIME.jsonl) and the exit code is 3.

Options
  --batch-size N    records per batch (default 100)
  --max-workers N   batches written at once (default 4)
  --output-file LOG where to write the records that failed
  --format json|csv default: from the extension or the content

Examples
  fs bulk-put customer-archive old-rows.csv
  fs bulk-put new-customer-profile cleaned.json --batch-size 500 --max-workers 8`,
	async run(context) {
		const {flags} = context;
		const name = context.input[0]!;
		const file = context.input[1]!;
		const {batchSize, maxWorkers, format} = flags;
		const store = await context.store();
		const group = await store.describeFeatureGroup(name);
		if (group.FeatureGroupStatus !== 'Created') {
			throw usageError(`${name} is ${group.FeatureGroupStatus}, not Created.`, 'Wait until `fs list` shows it Created, then run this again.');
		}

		const collections = new Set(group.FeatureDefinitions.filter(feature => feature.CollectionType).map(feature => feature.FeatureName));
		const input = await openInput(file, {format, collections});
		if (input.header) checkColumns(group, input.header, file);
		const total = await validate(group, input, file);
		const interrupt = watchInterrupts();
		const outcome = await putAll(store, group, input, {batchSize, maxWorkers, interrupted: () => interrupt.signal !== undefined, failedFile: flags.outputFile});
		interrupt.dispose();
		const {errStyle} = context;
		const written = outcome.sent - outcome.failed;
		if (interrupt.signal) {
			throw new FsError('interrupted', `Stopped by ${interrupt.signal} after ${counted(outcome.sent)} of ${counted(total)} records (${counted(written)} written).`, 'Putting the same records again is safe: a record that is not later than the stored one only adds offline history.');
		}

		context.note(`${errStyle.green('✔')} Put ${counted(written)} of ${counted(total)} records into ${name} (${describeStore(store)})`);
		if (outcome.failed > 0) {
			throw new FsError('partial', `${counted(outcome.failed)} record${outcome.failed === 1 ? '' : 's'} failed; they are in ${outcome.failedFile}.`, `Fix them and put that file's records again: each line has the record, the error code and the message.`);
		}
	},
});

/** CSV header: known features only, identifier and event time present. */
function checkColumns(group: FeatureGroup, header: string[], file: string) {
	const names = new Set(group.FeatureDefinitions.map(feature => feature.FeatureName));
	const reserved = header.filter(column => isReservedFeatureName(column));
	if (reserved.length > 0) {
		throw usageError(`${file} has the offline store's metadata column${reserved.length > 1 ? 's' : ''} ${reserved.join(', ')}.`, 'Remove them (export without --include-metadata).');
	}

	const unknown = header.filter(column => !names.has(column));
	if (unknown.length > 0) {
		throw usageError(
			`${file}'s header does not match ${group.FeatureGroupName}: ${unknown.map(column => JSON.stringify(column)).join(', ')} ${unknown.length > 1 ? 'are not features' : 'is not a feature'}.`,
			`Use the feature names of \`fs schema ${group.FeatureGroupName}\`: ${[...names].join(', ')}.`,
		);
	}

	const duplicated = header.filter((column, index) => header.indexOf(column) !== index);
	if (duplicated.length > 0) throw usageError(`${file}'s header names ${duplicated.join(', ')} twice.`, 'Give each feature one column.');
	for (const needed of [group.RecordIdentifierFeatureName, group.EventTimeFeatureName]) {
		if (!header.includes(needed)) throw usageError(`${file}'s header has no ${needed} column.`, `Every record needs its ${needed === group.EventTimeFeatureName ? 'event time' : 'record identifier'} (${needed}).`);
	}
}

/** First pass: every record checked, nothing written. Returns the count. */
async function validate(group: FeatureGroup, input: InputFile, file: string): Promise<number> {
	const problems: string[] = [];
	let count = 0;
	let bad = 0;
	for await (const row of input.rows()) {
		count++;
		const checked = checkRecord(group, row.record);
		if (!checked.ok) {
			bad++;
			if (problems.length < 10) problems.push(`${row.where}: ${reasonFor(checked.reason, row.record, group)}`);
		}
	}

	if (bad > 0) {
		throw usageError(
			`${file}: ${counted(bad)} of ${counted(count)} record${count === 1 ? '' : 's'} cannot go into ${group.FeatureGroupName}; nothing was written.\n    ${problems.join('\n    ')}${bad > problems.length ? `\n    … and ${counted(bad - problems.length)} more` : ''}`,
			'Fix these values (types per `fs schema`) and run bulk-put again.',
		);
	}

	if (count === 0) throw usageError(`${file} holds no records.`, 'Nothing to put.');
	return count;
}

function reasonFor(reason: string, record: FsRecord, group: FeatureGroup): string {
	const id = record[group.RecordIdentifierFeatureName];
	return typeof id === 'string' ? `${id}: ${reason}` : reason;
}

interface PutOptions {
	batchSize: number;
	maxWorkers: number;
	failedFile?: string;
	interrupted(): boolean;
}

async function putAll(store: Store, group: FeatureGroup, input: InputFile, options: PutOptions) {
	const name = group.FeatureGroupName;
	const failedFile = options.failedFile ?? `fs-bulk-put-failed-${name}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '')}.jsonl`;
	let log: WriteStream | undefined;
	let sent = 0;
	let failed = 0;
	const inFlight = new Set<Promise<void>>();
	let firstError: unknown;
	const send = async (batch: InputRow[]) => {
		const failures = await putRecords(store, name, batch.map(row => row.record));
		for (const failure of failures) {
			const row = batch[failure.index]!;
			log ??= createWriteStream(failedFile, {flags: 'a'});
			log.write(`${JSON.stringify({
				line: row.line,
				recordIdentifier: row.record[group.RecordIdentifierFeatureName],
				eventTime: row.record[group.EventTimeFeatureName],
				record: row.record,
				errorCode: failure.errorCode,
				errorMessage: failure.errorMessage,
			})}\n`);
		}

		failed += failures.length;
	};

	const launch = (batch: InputRow[]) => {
		sent += batch.length;
		const task = send(batch).catch(error => {
			firstError ??= error;
		}).finally(() => inFlight.delete(task));
		inFlight.add(task);
	};

	let batch: InputRow[] = [];
	for await (const row of input.rows()) {
		batch.push(row);
		if (batch.length < options.batchSize) continue;
		launch(batch);
		batch = [];
		while (inFlight.size >= options.maxWorkers) await Promise.race(inFlight);
		if (firstError || options.interrupted()) break;
	}

	if (batch.length > 0 && !firstError && !options.interrupted()) launch(batch);
	await Promise.all(inFlight);
	if (log) await new Promise(resolve => log!.end(resolve));
	if (firstError) throw firstError;
	return {sent, failed, failedFile};
}
