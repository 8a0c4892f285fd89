/**
 * The sagemaker store (`--store sagemaker`, the default): the real service
 * through AWS SDK v3 — SageMaker for feature groups, the Feature Store
 * Runtime for records, Athena and S3 for the offline store. Opening it makes
 * no network call; the region is settled from the flag, the environment or
 * the profile, and the account is learnt from the first feature group ARN.
 */
import {hasOfflineStore, type CreateFeatureGroupInput, type FeatureGroup, type FsRecord} from '../../core/types.js';
import type {
	FeatureGroupUpdate, OfflineCopy,
	BatchGetResult, BatchWriteResult, DeleteRecordInput, OfflineBatch, OfflineLocation, OfflineQuery, OfflineSnapshot, SnapshotPartition, SnapshotRange, Store, StoreCapabilities, StoreInfo, StoreLimits, WriteEntry, WriteOptions,
} from '../store.js';
import {Athena} from './athena.js';
import {copiedRows, OfflineCopier, residualSql, serverCopyProblem} from './offline-copy.js';
import {Catalog, type Where} from './catalog.js';
import {AwsClients, endpointFor, regionFrom} from './clients.js';
import {accountOf} from './convert.js';
import type {CallContext} from './errors.js';
import {OfflineReader, tableSql} from './offline.js';
import {batchGetLimit, batchWriteLimit, Runtime} from './runtime.js';
import {SnapshotFiles} from './snapshot.js';

export interface SageMakerStoreOptions {
	region?: string;
	profile?: string;
	/** s3://… for Athena results (--athena-output / FS_ATHENA_OUTPUT). */
	athenaOutput?: string;
	/** Athena workgroup (--athena-workgroup / FS_ATHENA_WORKGROUP), default primary. */
	athenaWorkgroup?: string;
	env?: NodeJS.ProcessEnv;
}

export class SageMakerStore implements Store {
	readonly info: StoreInfo;
	// Offline rows land minutes after a write; every write is a call to the service.
	readonly capabilities: StoreCapabilities = {bulkLoad: false, transactionalCheckpoint: false, cpuBoundWrites: false, exactOfflineCount: false, serverCopy: true};
	readonly limits: StoreLimits = {batchWrite: batchWriteLimit, batchGet: batchGetLimit, concurrentWrites: true};
	private readonly clients: AwsClients;
	private readonly catalog: Catalog;
	private readonly runtime: Runtime;
	private readonly offline: OfflineReader;
	private readonly athena: Athena;
	private readonly copier: OfflineCopier;
	private readonly snapshots = new SnapshotFiles();
	private resolvedRegion?: Promise<string>;
	private closed = false;

	constructor(readonly options: SageMakerStoreOptions = {}) {
		const env = options.env ?? process.env;
		this.clients = new AwsClients({region: options.region, profile: options.profile, env});
		const region = regionFrom({region: options.region, env});
		this.info = {kind: 'sagemaker', location: region ?? '', ...(region ? {region} : {})};
		this.catalog = new Catalog(this.clients, async () => this.where(), group => this.learnAccount(group));
		const context = async (action: string, target?: string) => this.callContext(action, target);
		this.runtime = new Runtime(this.clients, context, async name => this.catalog.shape(name));
		this.athena = new Athena(this.clients, {output: options.athenaOutput, workgroup: options.athenaWorkgroup || 'primary'}, context);
		this.offline = new OfflineReader(this.clients, this.athena, context);
		this.copier = new OfflineCopier(this.clients, this.athena, context);
	}

	offlineCopyProblem(copy: OfflineCopy): string | undefined {
		return serverCopyProblem(copy.source, copy.target, copy.features);
	}

	offlineCopyResidual(copy: OfflineCopy): string | undefined {
		return residualSql(copy);
	}

	async copyOffline(copy: OfflineCopy): Promise<number> {
		await this.copier.copy(copy);
		return this.offline.count(copy.target, {mode: 'history', where: copiedRows(copy)});
	}

	async undoOfflineCopy(copy: OfflineCopy): Promise<void> {
		await this.copier.undo(copy);
	}

	scannedBytes(): number {
		return this.athena.scannedBytes;
	}

	/** Settle the region now (flag, environment or profile): a missing one is reported before any work. */
	async open(): Promise<this> {
		await this.region();
		return this;
	}

	private async region(): Promise<string> {
		this.resolvedRegion ??= this.clients.region().then(region => {
			this.info.region = region;
			this.info.location = region;
			return region;
		});
		this.resolvedRegion.catch(() => {
			this.resolvedRegion = undefined;
		});
		return this.resolvedRegion;
	}

	private async where(): Promise<Where> {
		return {region: await this.region(), ...(this.options.profile ? {profile: this.options.profile} : {}), ...(this.info.account ? {account: this.info.account} : {})};
	}

	private async callContext(action: string, target?: string): Promise<CallContext> {
		const {region, profile} = await this.where();
		return {action, ...(target ? {target} : {}), region, ...(profile ? {profile} : {})};
	}

	private learnAccount(group: FeatureGroup) {
		this.info.account ??= accountOf(group.FeatureGroupArn);
	}

	groupIdentity(group: FeatureGroup): string {
		const endpoint = endpointFor('sagemaker', this.options.env ?? process.env, this.options.profile) ?? 'aws';
		return `sagemaker:${endpoint}#${(group.FeatureGroupArn || `${this.info.region}/${group.FeatureGroupName}`).toLowerCase()}`;
	}

	async listFeatureGroups(): Promise<FeatureGroup[]> {
		const groups = await this.catalog.list();
		// No group's ARN to learn the account from: the caller's identity says it (best effort, for the header).
		if (!this.info.account && groups.length === 0) await this.learnAccountFromIdentity();
		return groups;
	}

	private async learnAccountFromIdentity() {
		try {
			const sts = await this.clients.sts();
			const identity = await sts.client.send(new sts.sdk.GetCallerIdentityCommand({}));
			if (identity.Account && /^\d{12}$/.test(identity.Account)) this.info.account ??= identity.Account;
		} catch {
			// No STS access is no reason to fail a listing: the account stays unknown.
		}
	}

	async describeFeatureGroup(name: string): Promise<FeatureGroup> {
		return this.catalog.describe(name);
	}

	async createFeatureGroup(input: CreateFeatureGroupInput): Promise<FeatureGroup> {
		return this.catalog.create(input);
	}

	async updateFeatureGroup(name: string, update: FeatureGroupUpdate): Promise<FeatureGroup> {
		return this.catalog.update(name, update);
	}

	async deleteFeatureGroup(name: string): Promise<void> {
		await this.catalog.delete(name);
	}

	async * readOffline(name: string, query: OfflineQuery): AsyncGenerator<OfflineBatch> {
		yield * this.offline.read(await this.catalog.shape(name), query);
	}

	async countOffline(name: string, query: Pick<OfflineQuery, 'mode' | 'where' | 'except' | 'residual'>): Promise<number> {
		return this.offline.count(await this.catalog.shape(name), query);
	}

	/** The service counts no online records (ListRecords would read them all). */
	async countOnline(_name: string): Promise<number | undefined> {
		return undefined;
	}

	async offlineLocation(group: FeatureGroup): Promise<OfflineLocation | undefined> {
		const account = accountOf(group.FeatureGroupArn);
		if (!hasOfflineStore(group) || !group.OfflineStoreConfig?.DataCatalogConfig || !account) return undefined;
		return {engine: 'athena', table: tableSql(group), account, region: await this.region(), endpoint: this.athenaEndpoint()};
	}

	/** Athena joins tables of one account and region, behind one endpoint (the account learnt from a group's ARN). */
	reaches(location: OfflineLocation): boolean {
		return location.engine === 'athena' && this.info.account !== undefined && location.account === this.info.account
			&& location.region === this.info.region && location.endpoint === this.athenaEndpoint();
	}

	private athenaEndpoint(): string {
		return endpointFor('athena', this.options.env ?? process.env, this.options.profile) ?? 'aws';
	}

	async * listRecordIdentifiers(name: string, options: {includeSoftDeleted?: boolean; pageSize?: number} = {}): AsyncGenerator<string[]> {
		yield * this.runtime.listIdentifiers(name, options.includeSoftDeleted ?? false, Math.min(1000, options.pageSize ?? 1000));
	}

	async getRecord(name: string, recordIdentifier: string, featureNames?: string[]): Promise<FsRecord | undefined> {
		return this.runtime.getRecord(name, recordIdentifier, featureNames);
	}

	async batchGet(name: string, recordIdentifiers: string[], featureNames?: string[]): Promise<BatchGetResult> {
		return this.runtime.batchGet(name, recordIdentifiers, featureNames);
	}

	async snapshotOffline(name: string, query: OfflineQuery, dir: string): Promise<OfflineSnapshot> {
		return this.offline.snapshot(await this.catalog.shape(name), query, dir, this.snapshots);
	}

	readSnapshot(snapshot: OfflineSnapshot, partition?: SnapshotPartition | SnapshotRange): AsyncIterable<OfflineBatch> {
		return this.snapshots.read(snapshot, partition);
	}

	/** The service saves no checkpoints with records: the engine's checkpoint file is the record. */
	async batchWrite(entries: WriteEntry[], _options?: WriteOptions): Promise<BatchWriteResult> {
		return this.runtime.batchWrite(entries);
	}

	async deleteRecord(input: DeleteRecordInput, _options?: WriteOptions): Promise<void> {
		await this.runtime.deleteRecord(input);
	}

	async readCheckpoint(_key: string): Promise<number | undefined> {
		return undefined;
	}

	async forgetCheckpoint(_key: string): Promise<void> {
		// Nothing is kept with the records (see batchWrite).
	}

	async clearOfflineStore(name: string): Promise<number> {
		// Described afresh: a group first seen while Creating had no ResolvedOutputS3Uri yet.
		return this.offline.clear(await this.catalog.describe(name));
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		this.snapshots.close();
		await this.clients.destroy();
	}
}
