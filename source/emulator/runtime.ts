/**
 * The Feature Store Runtime (restJson1): PutRecord, GetRecord, DeleteRecord,
 * BatchWriteRecord, BatchGetRecord, ListRecords, served by the LocalStore,
 * which keeps the service's rules (event-time rule, deletes, TTL).
 */
import {recordWriteUnits} from '../core/cost.js';
import type {FsRecord} from '../core/types.js';
import type {LocalStore} from '../stores/local/index.js';
import type {WriteEntry} from '../stores/store.js';
import type {Faults} from './faults.js';
import {ApiError, type ApiReply, type ApiRequest, decodeSegment, fromStoreError, json, jsonBody, jsonError, optionalInteger, requireString} from './http.js';
import {RecordListings} from './list-records.js';
import {groupName, recordFromWire, recordToWire, targetStores, ttlDuration} from './wire.js';

const contentType = 'application/json';

const errorCodes: Record<string, [number, string]> = {
	ResourceNotFound: [404, 'ResourceNotFound'],
	ValidationError: [400, 'ValidationError'],
	AccessForbidden: [403, 'AccessForbidden'],
};

type Body = Record<string, unknown>;

interface GetIdentifier {
	FeatureGroupName: string;
	RecordIdentifiersValueAsString: string[];
	FeatureNames?: string[];
}

/** Writes the runtime acknowledged: records (puts and deletes) and the write units the service would bill them (core/cost.ts). */
export interface WriteTally {
	records: number;
	writeUnits: number;
}

export class Runtime {
	private readonly listings: RecordListings;
	readonly tally: WriteTally = {records: 0, writeUnits: 0};

	/** `discard`: writes are checked as far as their wire form and group, acknowledged, and not stored (a client's ceiling, measured). */
	constructor(private readonly store: LocalStore, private readonly faults: Faults, private readonly discard = false) {
		this.listings = new RecordListings(store);
	}

	/** Groups known to exist (discarded writes are still refused for a group that does not). */
	private readonly known = new Set<string>();

	private async exists(name: string): Promise<boolean> {
		if (this.known.has(name)) return true;
		const found = (await this.store.listFeatureGroups()).some(group => group.FeatureGroupName === name);
		if (found) this.known.add(name);
		return found;
	}

	private bill(records: FsRecord[]) {
		this.tally.records += records.length;
		for (const record of records) this.tally.writeUnits += recordWriteUnits(record);
	}

	async handle(request: ApiRequest): Promise<ApiReply> {
		try {
			return await this.route(request);
		} catch (error) {
			throw fromStoreError(error, errorCodes, [500, 'InternalFailure']);
		}
	}

	renderError(error: ApiError): ApiReply {
		return jsonError(error, contentType);
	}

	private async route(request: ApiRequest): Promise<ApiReply> {
		const {method, rawPath} = request;
		if (method === 'POST' && rawPath === '/BatchWriteRecord') return json(await this.batchWrite(jsonBody(request)));
		if (method === 'POST' && rawPath === '/BatchGetRecord') return json(await this.batchGet(jsonBody(request)));
		const [, , encoded, action, ...rest] = rawPath.split('/');
		if (encoded && rest.length === 0) {
			const name = await groupName(this.store, decodeSegment(encoded));
			if (action === undefined) {
				if (method === 'PUT') return this.put(name, jsonBody(request));
				if (method === 'GET') return this.get(name, request.query);
				if (method === 'DELETE') return this.delete(name, request.query);
			} else if (action === 'ListRecords' && method === 'POST') {
				const body = jsonBody<Body>(request);
				const max = optionalInteger(body['MaxResults'], 'MaxResults', 1, 10_000) ?? 1000;
				return json(await this.listings.page(name, body['IncludeSoftDeletedRecords'] === true, max, body['NextToken'] as string | undefined));
			}
		}

		throw new ApiError(404, 'UnknownOperationException', `The fs emulator does not serve ${method} ${rawPath} (UpdateRecord is not emulated).`);
	}

	private async put(name: string, body: Body): Promise<ApiReply> {
		const entry = {FeatureGroupName: name, Record: recordFromWire(body['Record']), ...options(body)};
		if (this.discard) {
			if (!await this.exists(name)) throw new ApiError(404, 'ResourceNotFound', `Feature group ${name} does not exist`);
			this.bill([entry.Record]);
			return json({});
		}

		const result = await this.store.batchWrite([entry]);
		const error = result.errors[0];
		if (error) throw new ApiError(error.ErrorCode === 'ResourceNotFound' ? 404 : 400, error.ErrorCode === 'ResourceNotFound' ? 'ResourceNotFound' : 'ValidationError', error.ErrorMessage);
		// The store could not take the write now (another writer held it): worth a retry.
		if (result.unprocessed.length > 0) throw new ApiError(503, 'ServiceUnavailable', 'The store is busy; try again.');
		this.bill([entry.Record]);
		return json({});
	}

	/** ExpiresAt as the service gives it: the record's TTL end, ISO 8601 in UTC; none without a TTL. */
	private async expiresAt(name: string, id: string): Promise<string | undefined> {
		const at = await this.store.recordExpiry(name, id);
		return at === undefined ? undefined : new Date(at).toISOString().replace('.000Z', 'Z');
	}

	private async get(name: string, query: URLSearchParams): Promise<ApiReply> {
		const id = requireString(query.get('RecordIdentifierValueAsString') ?? undefined, 'RecordIdentifierValueAsString');
		const featureNames = query.getAll('FeatureName');
		const record = await this.store.getRecord(name, id, featureNames.length > 0 ? featureNames : undefined);
		// An absent record is not an error: the service answers an empty body.
		if (!record) return json({});
		const expires = expirationAsked(query.get('ExpirationTimeResponse')) ? await this.expiresAt(name, id) : undefined;
		return json({Record: recordToWire(record), ...(expires ? {ExpiresAt: expires} : {})});
	}

	private async delete(name: string, query: URLSearchParams): Promise<ApiReply> {
		const mode = query.get('DeletionMode') ?? undefined;
		if (mode !== undefined && mode !== 'SoftDelete' && mode !== 'HardDelete') throw new ApiError(400, 'ValidationError', `DeletionMode ${mode} is not SoftDelete or HardDelete.`);
		const targets = query.getAll('TargetStores');
		// A delete is billed a write unit.
		if (this.discard) {
			this.bill([{}]);
			return json({});
		}

		await this.store.deleteRecord({
			FeatureGroupName: name,
			RecordIdentifier: requireString(query.get('RecordIdentifierValueAsString') ?? undefined, 'RecordIdentifierValueAsString'),
			EventTime: requireString(query.get('EventTime') ?? undefined, 'EventTime'),
			...(mode ? {DeletionMode: mode} : {}),
			...(targets.length > 0 ? {TargetStores: targetStores(targets)} : {}),
		});
		this.bill([{}]);
		return json({});
	}

	private async batchWrite(body: Body) {
		const entries = body['Entries'];
		if (!Array.isArray(entries) || entries.length === 0 || entries.length > 25) {
			throw new ApiError(400, 'ValidationError', '1 validation error detected: Value at \'entries\' failed to satisfy constraint: Member must have length between 1 and 25');
		}

		const defaultTtl = ttlDuration(body['TtlDuration']);
		const errors: Array<{Entry: unknown; ErrorCode: string; ErrorMessage: string}> = [];
		const unprocessed: unknown[] = [];
		const toWrite: Array<{wire: unknown; entry: WriteEntry}> = [];
		for (const wire of entries as Body[]) {
			const name = requireString(wire?.['FeatureGroupName'], 'Entries.member.FeatureGroupName');
			const entry: WriteEntry = {FeatureGroupName: await groupName(this.store, name), Record: recordFromWire(wire['Record'], 'Entries.member.Record'), ...options(wire)};
			entry.TtlDuration ??= defaultTtl;
			if (entry.TtlDuration === undefined) delete entry.TtlDuration;
			// Injected partial failure: not written, handed back to be sent again.
			if (this.faults.unprocessed()) unprocessed.push(wire);
			else toWrite.push({wire, entry});
		}

		if (toWrite.length > 0 && this.discard) {
			const taken: FsRecord[] = [];
			for (const {wire, entry} of toWrite) {
				if (await this.exists(entry.FeatureGroupName)) taken.push(entry.Record);
				else errors.push({Entry: wire, ErrorCode: 'ResourceNotFound', ErrorMessage: `Feature group ${entry.FeatureGroupName} does not exist`});
			}

			this.bill(taken);
		} else if (toWrite.length > 0) {
			const result = await this.store.batchWrite(toWrite.map(item => item.entry));
			const refused = new Set([...result.errors.map(error => error.index), ...result.unprocessed]);
			for (const error of result.errors) errors.push({Entry: toWrite[error.index]!.wire, ErrorCode: error.ErrorCode, ErrorMessage: error.ErrorMessage});
			for (const index of result.unprocessed) unprocessed.push(toWrite[index]!.wire);
			this.bill(toWrite.filter((_, index) => !refused.has(index)).map(item => item.entry.Record));
		}

		return {Errors: errors, UnprocessedEntries: unprocessed};
	}

	private async batchGet(body: Body) {
		const identifiers = body['Identifiers'];
		if (!Array.isArray(identifiers) || identifiers.length === 0 || identifiers.length > 10) {
			throw new ApiError(400, 'ValidationError', '1 validation error detected: Value at \'identifiers\' failed to satisfy constraint: Member must have length between 1 and 10');
		}

		const records: Array<{FeatureGroupName: string; RecordIdentifierValueAsString: string; Record: unknown; ExpiresAt?: string}> = [];
		const errors: Array<{FeatureGroupName: string; RecordIdentifierValueAsString: string; ErrorCode: string; ErrorMessage: string}> = [];
		const unprocessed: GetIdentifier[] = [];
		const expiring = expirationAsked(body['ExpirationTimeResponse']);
		for (const identifier of identifiers as GetIdentifier[]) {
			const wireName = requireString(identifier?.FeatureGroupName, 'Identifiers.member.FeatureGroupName');
			const ids = identifier.RecordIdentifiersValueAsString;
			if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100 || ids.some(id => typeof id !== 'string')) {
				throw new ApiError(400, 'ValidationError', '1 validation error detected: Value at \'identifiers.member.recordIdentifiersValueAsString\' failed to satisfy constraint: Member must have length between 1 and 100');
			}

			const featureNames = identifier.FeatureNames?.length ? identifier.FeatureNames : undefined;
			const ask: string[] = [];
			const left: string[] = [];
			for (const id of ids) (this.faults.unprocessed() ? left : ask).push(id);
			if (left.length > 0) unprocessed.push({FeatureGroupName: wireName, RecordIdentifiersValueAsString: left, ...(featureNames ? {FeatureNames: featureNames} : {})});
			if (ask.length === 0) continue;
			try {
				const name = await groupName(this.store, wireName);
				const result = await this.store.batchGet(name, ask, featureNames);
				for (const found of result.records) {
					const expires = expiring ? await this.expiresAt(name, found.RecordIdentifier) : undefined;
					records.push({FeatureGroupName: wireName, RecordIdentifierValueAsString: found.RecordIdentifier, Record: recordToWire(found.Record as FsRecord), ...(expires ? {ExpiresAt: expires} : {})});
				}
				for (const error of result.errors) errors.push({FeatureGroupName: wireName, RecordIdentifierValueAsString: error.RecordIdentifier, ...pickError(error)});
				if (result.unprocessed.length > 0) unprocessed.push({FeatureGroupName: wireName, RecordIdentifiersValueAsString: result.unprocessed, ...(featureNames ? {FeatureNames: featureNames} : {})});
			} catch (error) {
				// A missing group or one without an online store fails its identifiers, not the call.
				const apiError = fromStoreError(error, errorCodes, [500, 'InternalFailure']);
				for (const id of ask) errors.push({FeatureGroupName: wireName, RecordIdentifierValueAsString: id, ErrorCode: apiError.code, ErrorMessage: apiError.message});
			}
		}

		return {Records: records, Errors: errors, UnprocessedIdentifiers: unprocessed};
	}
}

function options(body: Body): Pick<WriteEntry, 'TargetStores' | 'TtlDuration'> {
	const targets = targetStores(body['TargetStores']);
	const ttl = ttlDuration(body['TtlDuration']);
	return {...(targets ? {TargetStores: targets} : {}), ...(ttl ? {TtlDuration: ttl} : {})};
}

const pickError = (error: {ErrorCode: string; ErrorMessage: string}) => ({ErrorCode: error.ErrorCode, ErrorMessage: error.ErrorMessage});

/** ExpirationTimeResponse: Enabled or Disabled (the default); anything else is refused, as the service does. */
function expirationAsked(value: unknown): boolean {
	if (value === undefined || value === null || value === 'Disabled') return false;
	if (value === 'Enabled') return true;
	throw new ApiError(400, 'ValidationError', `1 validation error detected: Value '${String(value)}' at 'expirationTimeResponse' failed to satisfy constraint: Member must satisfy enum value set: [Enabled, Disabled]`);
}
