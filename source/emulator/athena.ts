/**
 * Athena's API (awsJson1_1, `X-Amz-Target: AmazonAthena.<Op>`):
 * StartQueryExecution, GetQueryExecution, GetQueryResults,
 * StopQueryExecution, GetWorkGroup. Queries run in the background
 * (QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED); each result is written
 * as `<OutputLocation>/<QueryExecutionId>.csv` into the store's S3, and
 * GetQueryResults pages are read back from that object, header row first.
 */
import {randomUUID} from 'node:crypto';
import {createWriteStream, mkdirSync, renameSync, rmSync} from 'node:fs';
import {once} from 'node:events';
import {finished} from 'node:stream/promises';
import path from 'node:path';
import type {FeatureGroup} from '../core/types.js';
import type {LocalStore} from '../stores/local/index.js';
import {s3Path} from '../stores/local/layout.js';
import {csvLine, readCsvRows} from './athena-csv.js';
import {AthenaEngine} from './athena-engine.js';
import {catalogDatabases, catalogTables, glueColumns, hivePattern, paged} from './catalog.js';
import {athenaFailure, QueryFailure} from './athena-errors.js';
import type {AthenaColumn} from './athena-values.js';
import {ApiError, type ApiReply, type ApiRequest, decodeToken, encodeToken, json, jsonBody, jsonError, optionalInteger} from './http.js';

const contentType = 'application/x-amz-json-1.1';
const engineVersion = {SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3'};

type State = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

interface Execution {
	id: string;
	query: string;
	database: string;
	catalog: string;
	workGroup: string;
	/** s3://…/<id>.csv */
	output: string;
	state: State;
	failure?: QueryFailure;
	submitted: number;
	started?: number;
	completed?: number;
	columns?: AthenaColumn[];
	scannedBytes: number;
	/** Whether a GetQueryExecution has reported it QUEUED or RUNNING yet. */
	seenPending: boolean;
	interrupt?: () => void;
	/** Interrupts again until the engine gives up (see stop). */
	stopping?: NodeJS.Timeout;
}

const invalid = (message: string, code = 'INVALID_INPUT') => new ApiError(400, 'InvalidRequestException', message, {AthenaErrorCode: code});

type Body = Record<string, unknown>;

export class Athena {
	private readonly engine: AthenaEngine;
	private readonly executions = new Map<string, Execution>();
	private readonly byToken = new Map<string, string>();
	private readonly running = new Set<Promise<void>>();
	private readonly created = Date.now() / 1000;

	constructor(private readonly store: LocalStore, private readonly primaryOutput?: string) {
		this.engine = new AthenaEngine(store);
	}

	async handle(request: ApiRequest): Promise<ApiReply> {
		const operation = String(request.headers['x-amz-target']).slice('AmazonAthena.'.length);
		const body = jsonBody<Body>(request);
		switch (operation) {
			case 'StartQueryExecution':
				return json(this.start(body), 200, contentType);
			case 'GetQueryExecution':
				return json({QueryExecution: this.describe(this.find(body['QueryExecutionId']))}, 200, contentType);
			case 'GetQueryResults':
				return json(await this.results(body), 200, contentType);
			case 'StopQueryExecution':
				this.stop(this.find(body['QueryExecutionId']));
				return json({}, 200, contentType);
			case 'GetWorkGroup':
				return json({WorkGroup: this.workGroup(String(body['WorkGroup'] ?? ''))}, 200, contentType);
			case 'ListWorkGroups': {
				const {Name, State, Description, CreationTime} = this.workGroup('primary');
				return json({WorkGroups: [{Name, State, Description, CreationTime, EngineVersion: engineVersion}]}, 200, contentType);
			}

			case 'ListQueryExecutions':
				return json(this.list(body), 200, contentType);
			case 'BatchGetQueryExecution': {
				const ids = body['QueryExecutionIds'];
				if (!Array.isArray(ids) || ids.length < 1 || ids.length > 50) throw invalid('QueryExecutionIds must hold 1 to 50 ids.');
				const found = ids.map(id => this.executions.get(String(id)));
				return json({
					QueryExecutions: found.filter(execution => execution !== undefined).map(execution => this.describe(execution)),
					UnprocessedQueryExecutionIds: ids.filter((_, index) => !found[index]).map(id => ({QueryExecutionId: String(id), ErrorCode: 'INVALID_INPUT', ErrorMessage: `QueryExecution ${String(id)} was not found`})),
				}, 200, contentType);
			}

			case 'ListDatabases': {
				this.catalogName(body);
				const names = await catalogDatabases(this.store);
				const page = paged(names, body['NextToken'], optionalInteger(body['MaxResults'], 'maxResults', 1, 50, 'InvalidRequestException') ?? 50);
				return json({DatabaseList: page.items.map(Name => ({Name})), ...(page.next ? {NextToken: page.next} : {})}, 200, contentType);
			}

			case 'ListTableMetadata': {
				this.catalogName(body);
				const database = await this.databaseName(body);
				const pattern = typeof body['Expression'] === 'string' ? hivePattern(body['Expression']) : undefined;
				const tables = (await catalogTables(this.store)).filter(item => item.database === database && (!pattern || pattern.test(item.table)));
				const page = paged(tables.sort((a, b) => a.table.localeCompare(b.table)), body['NextToken'], optionalInteger(body['MaxResults'], 'maxResults', 1, 50, 'InvalidRequestException') ?? 50);
				return json({TableMetadataList: page.items.map(tableMetadata), ...(page.next ? {NextToken: page.next} : {})}, 200, contentType);
			}

			case 'GetTableMetadata': {
				this.catalogName(body);
				const database = await this.databaseName(body);
				const name = String(body['TableName'] ?? '').toLowerCase();
				const found = (await catalogTables(this.store)).find(item => item.database === database && item.table === name);
				if (!found) throw new ApiError(400, 'MetadataException', `Table ${name} not found in database ${database}.`);
				return json({TableMetadata: tableMetadata(found)}, 200, contentType);
			}

			default:
				throw new ApiError(400, 'UnknownOperationException', `The fs emulator does not implement AmazonAthena.${operation}.`);
		}
	}

	renderError(error: ApiError): ApiReply {
		return jsonError(error, contentType);
	}

	/** The catalog a metadata call names: AwsDataCatalog, the only one. */
	private catalogName(body: Body) {
		const name = String(body['CatalogName'] ?? '');
		if (name.toLowerCase() !== 'awsdatacatalog') throw new ApiError(400, 'MetadataException', `Catalog ${name || '(none)'} not found: the fs emulator has AwsDataCatalog only.`);
	}

	private async databaseName(body: Body): Promise<string> {
		const name = String(body['DatabaseName'] ?? '').toLowerCase();
		if (!(await catalogDatabases(this.store)).includes(name)) throw new ApiError(400, 'MetadataException', `Database ${name || '(none)'} not found.`);
		return name;
	}

	/** Query executions, newest first, paged (MaxResults 0–50). */
	private list(body: Body) {
		const workGroup = typeof body['WorkGroup'] === 'string' ? body['WorkGroup'] : 'primary';
		this.workGroup(workGroup);
		const ids = [...this.executions.values()].filter(execution => execution.workGroup === workGroup).sort((a, b) => b.submitted - a.submitted).map(execution => execution.id);
		const page = paged(ids, body['NextToken'], optionalInteger(body['MaxResults'], 'maxResults', 0, 50, 'InvalidRequestException') || 50);
		return {QueryExecutionIds: page.items, ...(page.next ? {NextToken: page.next} : {})};
	}

	private workGroup(name: string) {
		if (name !== 'primary') throw invalid(`WorkGroup ${name} is not found.`);
		return {
			Name: 'primary', State: 'ENABLED', Description: 'fs emulator workgroup', CreationTime: this.created,
			Configuration: {
				...(this.primaryOutput ? {ResultConfiguration: {OutputLocation: this.primaryOutput}} : {}),
				EnforceWorkGroupConfiguration: false, PublishCloudWatchMetricsEnabled: false, RequesterPaysEnabled: false, EngineVersion: engineVersion,
			},
		};
	}

	private start(body: Body) {
		const query = body['QueryString'];
		if (typeof query !== 'string' || query.length === 0 || query.length > 262_144) throw invalid('QueryString must be 1 to 262144 characters.');
		const token = body['ClientRequestToken'];
		// The SDK fills ClientRequestToken; a retried start must not run the query twice.
		if (typeof token === 'string' && this.byToken.has(token)) return {QueryExecutionId: this.byToken.get(token)};
		const workGroup = typeof body['WorkGroup'] === 'string' ? body['WorkGroup'] : 'primary';
		const group = this.workGroup(workGroup);
		const location = (body['ResultConfiguration'] as {OutputLocation?: string} | undefined)?.OutputLocation ?? group.Configuration.ResultConfiguration?.OutputLocation;
		if (!location) throw invalid('No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.');
		if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/|$)/.test(location) || location.split('/').includes('..')) {
			throw invalid(`Invalid OutputLocation ${location}: write it as s3://bucket/prefix.`);
		}
		const context = (body['QueryExecutionContext'] ?? {}) as {Database?: string; Catalog?: string};
		const id = randomUUID();
		const execution: Execution = {
			id, query, workGroup, database: context.Database ?? 'default', catalog: context.Catalog ?? 'AwsDataCatalog',
			output: `${location.replace(/\/+$/, '')}/${id}.csv`, state: 'QUEUED', submitted: Date.now(), scannedBytes: 0, seenPending: false,
		};
		this.executions.set(id, execution);
		if (typeof token === 'string') this.byToken.set(token, id);
		const run = new Promise<void>(resolve => setImmediate(resolve)).then(() => this.run(execution));
		this.running.add(run);
		void run.finally(() => this.running.delete(run));
		return {QueryExecutionId: id};
	}

	private async run(execution: Execution) {
		if (execution.state !== 'QUEUED') return;
		execution.state = 'RUNNING';
		execution.started = Date.now();
		const target = s3Path(this.store.dir, execution.output);
		// Written aside and moved into place whole: nobody lists or reads a half-written result.
		const temporary = path.join(this.store.dir, 'tmp', `athena-${execution.id}.csv`);
		const out = createWriteStream(temporary);
		// Listens for the stream's errors from the start, so a failed write fails the query, not the process.
		const written = finished(out);
		written.catch(() => undefined);
		try {
			const outcome = await this.engine.run({
				sql: execution.query, catalog: execution.catalog, database: execution.database, id: execution.id,
				onStart: interrupt => {
					execution.interrupt = interrupt;
				},
				cancelled: () => execution.state === 'CANCELLED',
				write: async row => {
					if (!out.write(csvLine(row))) await once(out, 'drain');
				},
			});
			out.end();
			await written;
			mkdirSync(path.dirname(target), {recursive: true});
			renameSync(temporary, target);
			execution.columns = outcome.columns;
			execution.scannedBytes = outcome.scannedBytes;
			this.finish(execution, 'SUCCEEDED');
		} catch (error) {
			out.destroy();
			rmSync(temporary, {force: true});
			execution.failure = athenaFailure(error, execution.query, execution.database);
			this.finish(execution, 'FAILED');
		}
	}

	private finish(execution: Execution, state: State) {
		execution.interrupt = undefined;
		clearInterval(execution.stopping);
		// A stopped query stays CANCELLED whatever the engine says on its way out.
		if (execution.state === 'CANCELLED') return;
		execution.state = state;
		execution.completed = Date.now();
	}

	private stop(execution: Execution) {
		if (execution.state !== 'QUEUED' && execution.state !== 'RUNNING') return;
		const running = execution.state === 'RUNNING';
		execution.state = 'CANCELLED';
		execution.completed = Date.now();
		if (!running) return;
		// DuckDB drops an interrupt that arrives before the query starts executing,
		// so it is repeated until the run ends (finish clears it).
		execution.interrupt?.();
		execution.stopping = setInterval(() => execution.interrupt?.(), 25);
	}

	private find(id: unknown): Execution {
		const execution = typeof id === 'string' ? this.executions.get(id) : undefined;
		if (!execution) throw invalid(`QueryExecution ${String(id)} was not found`);
		return execution;
	}

	/**
	 * The QueryExecution shape. A poller is shown QUEUED or RUNNING at least
	 * once, even when the query finished before the first poll, so the
	 * waiting path of a client runs on every query, not only on slow ones.
	 */
	private describe(execution: Execution) {
		let state = execution.state;
		if (!execution.seenPending && (state === 'SUCCEEDED' || state === 'FAILED')) state = 'RUNNING';
		execution.seenPending = true;
		const done = state !== 'QUEUED' && state !== 'RUNNING';
		const failure = state === 'FAILED' ? execution.failure : undefined;
		const engineMs = done && execution.started ? (execution.completed ?? Date.now()) - execution.started : 0;
		return {
			QueryExecutionId: execution.id,
			Query: execution.query,
			StatementType: 'DML',
			SubstatementType: 'SELECT',
			ResultConfiguration: {OutputLocation: execution.output},
			QueryExecutionContext: {Database: execution.database, Catalog: execution.catalog},
			Status: {
				State: state,
				SubmissionDateTime: execution.submitted / 1000,
				...(done && execution.completed ? {CompletionDateTime: execution.completed / 1000} : {}),
				...(failure ? {StateChangeReason: failure.message, AthenaError: {ErrorCategory: failure.category, Retryable: failure.category === 1, ErrorMessage: failure.message}} : {}),
				...(state === 'CANCELLED' ? {StateChangeReason: 'Query cancelled by user'} : {}),
			},
			Statistics: {
				EngineExecutionTimeInMillis: engineMs,
				DataScannedInBytes: done ? execution.scannedBytes : 0,
				QueryQueueTimeInMillis: (execution.started ?? Date.now()) - execution.submitted,
				TotalExecutionTimeInMillis: done ? (execution.completed ?? Date.now()) - execution.submitted : 0,
				...(done ? {ResultReuseInformation: {ReusedPreviousResult: false}} : {}),
			},
			WorkGroup: execution.workGroup,
			EngineVersion: engineVersion,
		};
	}

	private async results(body: Body) {
		const execution = this.find(body['QueryExecutionId']);
		const max = optionalInteger(body['MaxResults'], 'maxResults', 1, 1000, 'InvalidRequestException') ?? 1000;
		if (execution.state === 'QUEUED' || execution.state === 'RUNNING') throw invalid(`Query has not yet finished. Current state: ${execution.state}`);
		if (execution.state !== 'SUCCEEDED') throw invalid(`Query did not finish successfully. Final query state: ${execution.state}`);
		const token = decodeToken<{q: string; o: number}>(body['NextToken'] as string | undefined, 'InvalidRequestException');
		if (token && token.q !== execution.id) throw invalid('NextToken is not valid for this query.');
		let page;
		try {
			page = await readCsvRows(s3Path(this.store.dir, execution.output), token?.o ?? 0, max);
		} catch {
			throw invalid(`The query result ${execution.output} is gone from S3.`);
		}

		return {
			UpdateCount: 0,
			ResultSet: {
				// NULL is a Datum without VarCharValue; "" is VarCharValue "".
				Rows: page.rows.map(row => ({Data: row.map(value => (value === null ? {} : {VarCharValue: value}))})),
				ResultSetMetadata: {ColumnInfo: execution.columns},
			},
			...(page.more ? {NextToken: encodeToken({q: execution.id, o: page.next})} : {}),
		};
	}

	/** Stop what runs, then close the engine. */
	async close(): Promise<void> {
		for (const execution of this.executions.values()) this.stop(execution);
		await Promise.allSettled([...this.running]);
		await this.engine.close();
	}
}

/** A table as Athena's metadata calls describe it. */
function tableMetadata({table, group}: {table: string; group: FeatureGroup}) {
	return {
		Name: table, CreateTime: group.CreationTime.getTime() / 1000, TableType: 'EXTERNAL_TABLE', Columns: glueColumns(group), PartitionKeys: [],
		Parameters: {classification: 'parquet', location: group.OfflineStoreConfig!.S3StorageConfig.ResolvedOutputS3Uri ?? group.OfflineStoreConfig!.S3StorageConfig.S3Uri},
	};
}
