/**
 * Running a query on Athena and streaming its result. The result location is
 * the one asked for (--athena-output / FS_ATHENA_OUTPUT) or the workgroup's;
 * never a guessed bucket. Results are read from the CSV Athena writes to S3,
 * which streams at S3's speed and has no page edges to lose rows at.
 */
import type {Readable} from 'node:stream';
import type {QueryExecutionStatus} from '@aws-sdk/client-athena';
import {runtimeError, usageError, type FsError} from '../../core/errors.js';
import {filterHint} from '../local/trino.js';
import type {AwsClients} from './clients.js';
import {awsCall, type CallContext} from './errors.js';

export interface AthenaSettings {
	/** s3://bucket/prefix/ for results; else the workgroup's. */
	output?: string;
	workgroup: string;
}

export interface QueryTarget {
	catalog: string;
	database: string;
	/** For messages: the feature group and its table. */
	group: string;
	table: string;
	/** The filter the query carries, if any: Athena's complaints are likely about it. */
	where?: string;
	eventTimeFeature?: string;
}

type Context = (action: string, target?: string) => Promise<CallContext>;

export function parseS3Uri(uri: string): {bucket: string; key: string} {
	const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
	if (!match) throw usageError(`${JSON.stringify(uri)} is not an S3 location.`, 'Write it as s3://bucket/prefix/.');
	return {bucket: match[1]!, key: match[2]!};
}

/** Waits between status checks: quick for the small queries, calm for long ones. */
export function* pollDelays(firstMs = 100, capMs = 2000): Generator<number> {
	for (let delay = firstMs; ; delay = Math.min(delay * 2, capMs)) yield delay;
}

export class Athena {
	/** Bytes the queries of this client scanned so far (Athena bills them): the plan shows the count's. */
	scannedBytes = 0;
	private resultConfiguration?: Promise<{OutputLocation: string} | undefined>;

	constructor(private readonly clients: AwsClients, private readonly settings: AthenaSettings, private readonly context: Context, private readonly sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))) {}

	/** Where results go: ours to pass, or undefined when the workgroup has a location of its own. */
	private async results(): Promise<{OutputLocation: string} | undefined> {
		this.resultConfiguration ??= (async () => {
			if (this.settings.output) {
				parseS3Uri(this.settings.output);
				return {OutputLocation: this.settings.output.endsWith('/') ? this.settings.output : `${this.settings.output}/`};
			}

			const {workgroup} = this.settings;
			const context = await this.context('athena:GetWorkGroup', `Athena workgroup ${workgroup}`);
			const athena = await this.clients.athena();
			const response = await awsCall(context, async () => athena.client.send(new athena.sdk.GetWorkGroupCommand({WorkGroup: workgroup})));
			if (response.WorkGroup?.Configuration?.ResultConfiguration?.OutputLocation) return undefined;
			throw usageError(
				`The Athena workgroup ${workgroup} has no query result location, and none was given.`,
				'Pass --athena-output s3://bucket/prefix/ (or set FS_ATHENA_OUTPUT), or pick a workgroup that has one with --athena-workgroup.',
				'NoAthenaOutput',
			);
		})();
		this.resultConfiguration.catch(() => {
			this.resultConfiguration = undefined;
		});
		return this.resultConfiguration;
	}

	/** Run `sql` to the end; the S3 location of its result CSV (none for statements without rows). */
	async run(sql: string, target: QueryTarget): Promise<{id: string; location?: string}> {
		const results = await this.results();
		const athena = await this.clients.athena();
		const start = await this.context('athena:StartQueryExecution', `${target.database}.${target.table}`);
		const started = await awsCall(start, async () => athena.client.send(new athena.sdk.StartQueryExecutionCommand({
			QueryString: sql,
			QueryExecutionContext: {Catalog: target.catalog, Database: target.database},
			WorkGroup: this.settings.workgroup,
			...(results ? {ResultConfiguration: results} : {}),
		})));
		const id = started.QueryExecutionId!;
		const poll = await this.context('athena:GetQueryExecution', `query ${id}`);
		for (const delay of pollDelays()) {
			const {QueryExecution: execution} = await awsCall(poll, async () => athena.client.send(new athena.sdk.GetQueryExecutionCommand({QueryExecutionId: id})));
			const state = execution?.Status?.State;
			if (state === 'SUCCEEDED') {
				this.scannedBytes += execution?.Statistics?.DataScannedInBytes ?? 0;
				return {id, location: execution?.ResultConfiguration?.OutputLocation};
			}
			if (state === 'FAILED') throw queryFailure(execution!.Status!, target, id);
			if (state === 'CANCELLED') throw runtimeError(`The Athena query ${id} on ${target.group} was cancelled.`, 'Run it again.', 'QueryCancelled');
			await this.sleep(delay);
		}

		throw new Error('unreachable');
	}

	/** The result CSV as a stream (`location` from run). */
	async open(location: string): Promise<Readable> {
		const {bucket, key} = parseS3Uri(location);
		const context = await this.context('s3:GetObject', location);
		const s3 = await this.clients.s3();
		const response = await awsCall(context, async () => s3.client.send(new s3.sdk.GetObjectCommand({Bucket: bucket, Key: key})));
		return response.Body as Readable;
	}
}

/** Athena's reason for a failed query, with what to do about it. */
export function queryFailure(status: QueryExecutionStatus, target: QueryTarget, id: string): FsError {
	const reason = status.AthenaError?.ErrorMessage ?? status.StateChangeReason ?? 'no reason given';
	const table = `"${target.database}"."${target.table}"`;
	if (/TABLE_NOT_FOUND|Table .* does not exist|does not exist.*table|SCHEMA_NOT_FOUND|Schema .* does not exist/i.test(reason)) {
		return usageError(
			`The Athena table ${table} of ${target.group} does not exist: ${reason}`,
			'Its Glue table may not have been created (DisableGlueTableCreation) or was deleted; check the group with `fs list`.',
			'TableNotFound',
		);
	}

	if (/access denied|not authorized|AccessDenied|insufficient permissions|Insufficient Lake Formation/i.test(reason)) {
		return runtimeError(
			`Athena was denied access while querying ${target.group}: ${reason}`,
			'Grant the permission named above: Athena needs glue:GetTable/GetPartitions on the table, s3:GetObject/ListBucket on the offline store and s3:PutObject/GetBucketLocation on the result location (docs/aws.md).',
			'AccessDenied',
		);
	}

	const userError = status.AthenaError?.ErrorCategory === 2 || /SYNTAX_ERROR|COLUMN_NOT_FOUND|TYPE_MISMATCH|FUNCTION_NOT_FOUND|cannot be applied|mismatched input|INVALID_/i.test(reason);
	if (userError && target.where) {
		return usageError(
			`Athena refused the filter on ${target.group}: ${reason}`,
			filterHint(reason, target.group, target.eventTimeFeature),
			'InvalidRequestException',
		);
	}

	return runtimeError(
		`The Athena query ${id} on ${target.group} failed: ${reason}`,
		status.AthenaError?.Retryable ? 'This is temporary: run it again.' : 'See the reason above; the query is in Athena\'s history under this id.',
		'AthenaQueryFailed',
	);
}
