/**
 * Records through the Feature Store Runtime: BatchWriteRecord, GetRecord,
 * BatchGetRecord, ListRecords and DeleteRecord, with the port's shapes.
 */
import type {BatchWriteRecordEntry} from '@aws-sdk/client-sagemaker-featurestore-runtime';
import {runtimeError, usageError} from '../../core/errors.js';
import {eventTimeMillis} from '../../core/values.js';
import {hasOnlineStore, type FeatureGroup, type FsRecord} from '../../core/types.js';
import type {BatchGetResult, BatchWriteResult, DeleteRecordInput, WriteEntry} from '../store.js';
import type {AwsClients} from './clients.js';
import {EntryMatcher, fromFeatureValues, toFeatureValues} from './convert.js';
import {awsCall, type CallContext} from './errors.js';

export const batchWriteLimit = 25;
export const batchGetLimit = 100;

type Context = (action: string, target?: string) => Promise<CallContext>;

export class Runtime {
	constructor(private readonly clients: AwsClients, private readonly context: Context, private readonly shape: (name: string) => Promise<FeatureGroup>) {}

	async batchWrite(entries: WriteEntry[]): Promise<BatchWriteResult> {
		if (entries.length === 0 || entries.length > batchWriteLimit) {
			throw usageError(`BatchWriteRecord takes 1 to ${batchWriteLimit} entries, got ${entries.length}.`, `Split the records into batches of at most ${batchWriteLimit}.`);
		}

		const sent: BatchWriteRecordEntry[] = entries.map(entry => ({
			FeatureGroupName: entry.FeatureGroupName,
			Record: toFeatureValues(entry.Record),
			...(entry.TargetStores ? {TargetStores: entry.TargetStores} : {}),
			...(entry.TtlDuration ? {TtlDuration: entry.TtlDuration} : {}),
		}));
		const groups = [...new Set(entries.map(entry => entry.FeatureGroupName))].join(', ');
		const context = await this.context('sagemaker:BatchWriteRecord (with sagemaker:PutRecord)', `feature group ${groups}`);
		const runtime = await this.clients.runtime();
		const response = await awsCall(context, async () => runtime.client.send(new runtime.sdk.BatchWriteRecordCommand({Entries: sent})));
		const result: BatchWriteResult = {errors: [], unprocessed: []};
		// Most calls come back clean: the entries are keyed only when some are returned.
		if (!response.Errors?.length && !response.UnprocessedEntries?.length) return result;
		const matcher = new EntryMatcher(sent);
		const unmatched: string[] = [];
		for (const error of response.Errors ?? []) {
			const index = matcher.match(error.Entry);
			if (index === undefined) unmatched.push(error.ErrorCode ?? 'error');
			else result.errors.push({index, ErrorCode: error.ErrorCode ?? 'Unknown', ErrorMessage: error.ErrorMessage ?? ''});
		}

		for (const entry of response.UnprocessedEntries ?? []) {
			const index = matcher.match(entry);
			if (index === undefined) unmatched.push('unprocessed');
			else result.unprocessed.push(index);
		}

		if (unmatched.length > 0) {
			// Never guess which record failed: that would report or re-send the wrong one.
			throw runtimeError(
				`BatchWriteRecord returned ${unmatched.length} entr${unmatched.length === 1 ? 'y' : 'ies'} (${unmatched.join(', ')}) that match none of those sent.`,
				'This is a bug in fs or a change in the service; run with FS_DEBUG=1 and report it.',
				'UnmatchedBatchEntry',
			);
		}

		result.errors.sort((a, b) => a.index - b.index);
		result.unprocessed.sort((a, b) => a - b);
		return result;
	}

	async getRecord(name: string, id: string, featureNames?: string[]): Promise<FsRecord | undefined> {
		await this.needsOnline(name);
		const context = await this.context('sagemaker:GetRecord', `feature group ${name}`);
		const runtime = await this.clients.runtime();
		const response = await awsCall(context, async () => runtime.client.send(new runtime.sdk.GetRecordCommand({
			FeatureGroupName: name, RecordIdentifierValueAsString: id, ...(featureNames ? {FeatureNames: featureNames} : {}),
		})));
		if (!response.Record || response.Record.length === 0) return undefined;
		return fromFeatureValues(response.Record);
	}

	async batchGet(name: string, ids: string[], featureNames?: string[]): Promise<BatchGetResult> {
		if (ids.length === 0 || ids.length > batchGetLimit) {
			throw usageError(`BatchGetRecord takes 1 to ${batchGetLimit} identifiers, got ${ids.length}.`, `Ask for at most ${batchGetLimit} at a time.`);
		}

		await this.needsOnline(name);
		const context = await this.context('sagemaker:BatchGetRecord', `feature group ${name}`);
		const runtime = await this.clients.runtime();
		const response = await awsCall(context, async () => runtime.client.send(new runtime.sdk.BatchGetRecordCommand({
			Identifiers: [{FeatureGroupName: name, RecordIdentifiersValueAsString: ids, ...(featureNames ? {FeatureNames: featureNames} : {})}],
		})));
		return {
			records: (response.Records ?? []).map(detail => ({RecordIdentifier: detail.RecordIdentifierValueAsString ?? '', Record: fromFeatureValues(detail.Record)})),
			errors: (response.Errors ?? []).map(error => ({RecordIdentifier: error.RecordIdentifierValueAsString ?? '', ErrorCode: error.ErrorCode ?? 'Unknown', ErrorMessage: error.ErrorMessage ?? ''})),
			unprocessed: (response.UnprocessedIdentifiers ?? []).flatMap(identifier => identifier.RecordIdentifiersValueAsString ?? []),
		};
	}

	/**
	 * ListRecords to the last page. Pages are re-cut to `pageSize`: for the
	 * InMemory tier MaxResults is only a hint.
	 */
	async * listIdentifiers(name: string, includeSoftDeleted: boolean, pageSize: number): AsyncGenerator<string[]> {
		const group = await this.needsOnline(name, 'to list');
		const context = await this.context('sagemaker:ListRecords', `feature group ${group.FeatureGroupName}`);
		const runtime = await this.clients.runtime();
		let token: string | undefined;
		let pending: string[] = [];
		do {
			const page = await awsCall(context, async () => runtime.client.send(new runtime.sdk.ListRecordsCommand({
				FeatureGroupName: name, MaxResults: pageSize, IncludeSoftDeletedRecords: includeSoftDeleted, ...(token ? {NextToken: token} : {}),
			})));
			pending.push(...(page.RecordIdentifiers ?? []));
			while (pending.length >= pageSize) {
				yield pending.slice(0, pageSize);
				pending = pending.slice(pageSize);
			}

			token = page.NextToken || undefined;
		} while (token);

		if (pending.length > 0) yield pending;
	}

	async deleteRecord(input: DeleteRecordInput): Promise<void> {
		// Checked here for a message that names the formats; the service's says
		// less. Either format passes: knowing which one the group takes would
		// cost a describe in every worker that replays deletes.
		const text = input.EventTime;
		if (eventTimeMillis('String', text) === undefined && eventTimeMillis('Fractional', text) === undefined) {
			throw usageError(
				`DeleteRecord: ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)} is not an event time (ISO-8601 UTC such as 2024-05-01T12:00:00Z, or seconds since the epoch).`,
				'Pass the EventTime of the delete in the event-time feature\'s format.',
			);
		}

		const context = await this.context('sagemaker:DeleteRecord', `record ${input.RecordIdentifier} of ${input.FeatureGroupName}`);
		const runtime = await this.clients.runtime();
		await awsCall(context, async () => runtime.client.send(new runtime.sdk.DeleteRecordCommand({
			FeatureGroupName: input.FeatureGroupName,
			RecordIdentifierValueAsString: input.RecordIdentifier,
			EventTime: input.EventTime,
			...(input.TargetStores ? {TargetStores: input.TargetStores} : {}),
			...(input.DeletionMode ? {DeletionMode: input.DeletionMode} : {}),
		})));
	}

	/** Reading the online store of a group without one is a usage error, said plainly. */
	private async needsOnline(name: string, purpose = ''): Promise<FeatureGroup> {
		const group = await this.shape(name);
		if (!hasOnlineStore(group)) {
			throw usageError(`Feature group ${name} has no online store${purpose ? ` ${purpose}` : ''}.`, 'Read it from the offline store instead: `fs export`.');
		}

		return group;
	}
}
