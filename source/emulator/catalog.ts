/**
 * What clients ask before they query: the Glue Data Catalog (awsJson1_1,
 * `X-Amz-Target: AWSGlue.<Op>`: GetDatabase(s), GetTable(s)) over the
 * feature groups' offline tables, the caller's identity (STS
 * GetCallerIdentity, awsQuery), and every other service or operation
 * answered in its own protocol with the error that says it is missing
 * (UnknownOperationException in JSON, InvalidAction in awsQuery's XML), so
 * a client shows what is not emulated instead of `An error occurred
 * (Unknown)`.
 */
import {hasOfflineStore, type FeatureDefinition, type FeatureGroup} from '../core/types.js';
import type {LocalStore} from '../stores/local/index.js';
import {ApiError, type ApiReply, type ApiRequest, decodeToken, encodeToken, json, jsonBody, jsonError, optionalInteger} from './http.js';

const glueJson = 'application/x-amz-json-1.1';

/** A feature's type as the Glue table names it (Hive's names). */
export function glueType(feature: Pick<FeatureDefinition, 'FeatureType' | 'CollectionType'>): string {
	const scalar = {Integral: 'bigint', Fractional: 'double', String: 'string'}[feature.FeatureType];
	return feature.CollectionType ? `array<${scalar}>` : scalar;
}

/** The offline table's columns: the features, then the three the offline store adds. */
export function glueColumns(group: FeatureGroup): Array<{Name: string; Type: string}> {
	return [
		...group.FeatureDefinitions.map(feature => ({Name: feature.FeatureName.toLowerCase(), Type: glueType(feature)})),
		{Name: 'write_time', Type: 'timestamp'}, {Name: 'api_invocation_time', Type: 'timestamp'}, {Name: 'is_deleted', Type: 'boolean'},
	];
}

/** Every offline table: its database and table names (lowercase, as Glue keeps them) and its group. */
export async function catalogTables(store: LocalStore): Promise<Array<{database: string; table: string; group: FeatureGroup}>> {
	const groups = await store.listFeatureGroups();
	return groups.filter(group => hasOfflineStore(group) && group.OfflineStoreConfig?.DataCatalogConfig).map(group => {
		const {Database, TableName} = group.OfflineStoreConfig!.DataCatalogConfig!;
		return {database: Database.toLowerCase(), table: TableName.toLowerCase(), group};
	});
}

/** The databases: `default` and each offline table's. */
export async function catalogDatabases(store: LocalStore): Promise<string[]> {
	return [...new Set(['default', ...(await catalogTables(store)).map(item => item.database)])].sort();
}

type Body = Record<string, unknown>;

export class Glue {
	constructor(private readonly store: LocalStore) {}

	async handle(request: ApiRequest): Promise<ApiReply> {
		const operation = String(request.headers['x-amz-target']).slice('AWSGlue.'.length);
		const body = jsonBody<Body>(request);
		switch (operation) {
			case 'GetDatabases': {
				const names = await catalogDatabases(this.store);
				const page = paged(names, body['NextToken'], optionalInteger(body['MaxResults'], 'maxResults', 1, 100, 'InvalidInputException') ?? 100);
				return json({DatabaseList: page.items.map(name => this.database(name)), ...(page.next ? {NextToken: page.next} : {})}, 200, glueJson);
			}

			case 'GetDatabase': {
				const name = String(body['Name'] ?? '').toLowerCase();
				if (!(await catalogDatabases(this.store)).includes(name)) throw new ApiError(400, 'EntityNotFoundException', `Database ${name} not found.`);
				return json({Database: this.database(name)}, 200, glueJson);
			}

			case 'GetTables': {
				const database = String(body['DatabaseName'] ?? '').toLowerCase();
				if (!(await catalogDatabases(this.store)).includes(database)) throw new ApiError(400, 'EntityNotFoundException', `Database ${database} not found.`);
				const pattern = typeof body['Expression'] === 'string' ? hivePattern(body['Expression']) : undefined;
				const tables = (await catalogTables(this.store)).filter(item => item.database === database && (!pattern || pattern.test(item.table)));
				const page = paged(tables.sort((a, b) => a.table.localeCompare(b.table)), body['NextToken'], optionalInteger(body['MaxResults'], 'maxResults', 1, 100, 'InvalidInputException') ?? 100);
				return json({TableList: page.items.map(item => glueTable(item)), ...(page.next ? {NextToken: page.next} : {})}, 200, glueJson);
			}

			case 'GetTable': {
				const database = String(body['DatabaseName'] ?? '').toLowerCase();
				const name = String(body['Name'] ?? '').toLowerCase();
				const found = (await catalogTables(this.store)).find(item => item.database === database && item.table === name);
				if (!found) throw new ApiError(400, 'EntityNotFoundException', `Table ${name} not found.`);
				return json({Table: glueTable(found)}, 200, glueJson);
			}

			default:
				throw new ApiError(400, 'UnknownOperationException', `The fs emulator does not implement AWSGlue.${operation}.`);
		}
	}

	renderError(error: ApiError): ApiReply {
		return jsonError(error, glueJson);
	}

	private database(name: string) {
		return {Name: name, CatalogId: this.store.info.account ?? '000000000000', CreateTime: 0, Description: name === 'default' ? 'Default Hive database' : 'Feature Store offline tables'};
	}
}

function glueTable({database, table, group}: {database: string; table: string; group: FeatureGroup}) {
	return {
		Name: table, DatabaseName: database, CreateTime: group.CreationTime.getTime() / 1000, TableType: 'EXTERNAL_TABLE',
		StorageDescriptor: {
			Columns: glueColumns(group), Location: group.OfflineStoreConfig!.S3StorageConfig.ResolvedOutputS3Uri ?? group.OfflineStoreConfig!.S3StorageConfig.S3Uri,
			InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat', OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
			SerdeInfo: {SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'},
		},
		PartitionKeys: [], Parameters: {classification: 'parquet', EXTERNAL: 'TRUE'},
	};
}

/** Glue's and Athena's table patterns: `*` any characters, `|` alternatives, case-insensitive. */
export function hivePattern(pattern: string): RegExp {
	const alternatives = pattern.split('|').map(part => part.split('*').map(piece => piece.replace(/[.+?^${}()[\]\\]/g, '\\$&')).join('.*'));
	return new RegExp(`^(?:${alternatives.join('|')})$`, 'i');
}

/** A page of `items` from an opaque token (the index to start at). */
export function paged<T>(items: T[], token: unknown, size: number): {items: T[]; next?: string} {
	const start = decodeToken<number>(typeof token === 'string' ? token : undefined, 'InvalidInputException') ?? 0;
	const slice = items.slice(start, start + size);
	return {items: slice, ...(start + size < items.length ? {next: encodeToken(start + size)} : {})};
}

/**
 * awsQuery (form-encoded `Action=…`) services: STS GetCallerIdentity; any
 * other action, or service, is InvalidAction in the protocol's XML.
 */
export class Query {
	constructor(private readonly store: LocalStore) {}

	async handle(request: ApiRequest): Promise<ApiReply> {
		const form = new URLSearchParams(request.body.toString('utf8'));
		const action = form.get('Action') ?? request.query.get('Action') ?? '';
		const service = signedService(request.headers.authorization) ?? 'sts';
		if (service === 'sts' && action === 'GetCallerIdentity') {
			const account = this.store.info.account ?? '000000000000';
			return xml(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${account}:user/fs-emulator</Arn><UserId>AIDAFSEMULATOR</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></GetCallerIdentityResponse>`);
		}

		throw new ApiError(400, 'InvalidAction', `The fs emulator does not implement ${service.toUpperCase()} ${action || '(no Action)'}.`);
	}

	renderError(error: ApiError, requestId: string): ApiReply {
		const type = error.status >= 500 ? 'Receiver' : 'Sender';
		return {...xml(`<ErrorResponse><Error><Type>${type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`), status: error.status};
	}
}

/**
 * A JSON service (X-Amz-Target) the emulator does not speak: every call is
 * UnknownOperationException naming the target.
 */
export class UnknownJson {
	async handle(request: ApiRequest): Promise<ApiReply> {
		throw new ApiError(400, 'UnknownOperationException', `The fs emulator does not implement ${String(request.headers['x-amz-target'])}.`);
	}

	renderError(error: ApiError): ApiReply {
		return jsonError(error, 'application/x-amz-json-1.1');
	}
}

/** The service a SigV4 Authorization header is scoped to (Credential=KEY/DATE/REGION/SERVICE/aws4_request). */
export function signedService(authorization: string | undefined): string | undefined {
	return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization ?? '')?.[1];
}

const xml = (body: string): ApiReply => ({status: 200, headers: {'content-type': 'text/xml'}, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`});

const escapeXml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
