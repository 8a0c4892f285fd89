/**
 * The catalog of the embedded store: feature group documents shaped like
 * DescribeFeatureGroup, with the S3 location and Glue table SageMaker would
 * generate for them.
 */
import {FsError, notFound} from '../../core/errors.js';
import {checkCreateInput} from '../../core/schema.js';
import type {CreateFeatureGroupInput, FeatureGroup, FeatureGroupStatus} from '../../core/types.js';
import type {Sqlite} from './database.js';
import type {StoreMeta} from './layout.js';

interface Row {
	doc: string;
	status: FeatureGroupStatus;
	ready_at_ms: number | null;
}

export class Catalog {
	constructor(private readonly db: Sqlite, private readonly meta: StoreMeta) {}

	list(): FeatureGroup[] {
		this.purgeDeleted();
		const rows = this.db.prepare('SELECT doc, status, ready_at_ms FROM feature_groups ORDER BY name').all() as Row[];
		return rows.map(row => this.fromRow(row));
	}

	find(name: string): FeatureGroup | undefined {
		this.purgeDeleted();
		const row = this.db.prepare('SELECT doc, status, ready_at_ms FROM feature_groups WHERE name = ?').get(name) as Row | undefined;
		return row ? this.fromRow(row) : undefined;
	}

	/**
	 * Mark a group `Deleting` until `goneAfterMs` from now (as the service
	 * shows it while it deletes), then it is gone. Returns the group as it was.
	 */
	markDeleting(name: string, goneAfterMs = 0): FeatureGroup {
		const group = this.get(name);
		if (group.FeatureGroupStatus === 'Deleting') return group;
		if (group.FeatureGroupStatus === 'Creating') {
			throw new FsError('usage', `Feature group ${name} is Creating: it can be deleted once it is Created.`, 'Wait until it is Created (`fs list`), then delete it.', 'ResourceInUse');
		}

		this.db.prepare('UPDATE feature_groups SET status = \'Deleting\', ready_at_ms = ? WHERE name = ?').run(Date.now() + goneAfterMs, name);
		this.purgeDeleted();
		return group;
	}

	/** Replace a group's document with `change(group)` (its status is the row's). */
	update(name: string, change: (group: FeatureGroup) => FeatureGroup): FeatureGroup {
		const next = change(this.get(name));
		this.db.prepare('UPDATE feature_groups SET doc = ? WHERE name = ?').run(JSON.stringify(next), name);
		return this.get(name);
	}

	/** Groups whose deletion is due are gone. */
	private purgeDeleted() {
		this.db.prepare('DELETE FROM feature_groups WHERE status = \'Deleting\' AND ready_at_ms <= ?').run(Date.now());
	}

	get(name: string): FeatureGroup {
		const group = this.find(name);
		if (!group) {
			throw notFound(
				`Feature group ${name} does not exist in this store.`,
				'Run `fs list` to see the feature groups, or create it with `fs create`.',
			);
		}

		return group;
	}

	/**
	 * Create a feature group. `readyAfterMs` keeps it `Creating` that long
	 * (Infinity: for good), as the service does while it provisions.
	 */
	create(input: CreateFeatureGroupInput, readyAfterMs = 0): FeatureGroup {
		checkCreateInput(input);
		const now = new Date();
		const epoch = Math.floor(now.getTime() / 1000);
		const name = input.FeatureGroupName;
		const {account, region} = this.meta;
		const group: FeatureGroup = {
			FeatureGroupName: name,
			FeatureGroupArn: `arn:aws:sagemaker:${region}:${account}:feature-group/${name.toLowerCase()}`,
			RecordIdentifierFeatureName: input.RecordIdentifierFeatureName,
			EventTimeFeatureName: input.EventTimeFeatureName,
			FeatureDefinitions: input.FeatureDefinitions,
			CreationTime: now,
			FeatureGroupStatus: 'Creating',
			...(input.OnlineStoreConfig?.EnableOnlineStore ? {OnlineStoreConfig: {StorageType: 'Standard', ...input.OnlineStoreConfig}} : {}),
			...(input.RoleArn ? {RoleArn: input.RoleArn} : {}),
			...(input.Description ? {Description: input.Description} : {}),
		};
		if (input.OfflineStoreConfig) {
			const s3Uri = input.OfflineStoreConfig.S3StorageConfig.S3Uri.replace(/\/+$/, '');
			const table = `${name.toLowerCase().replaceAll('-', '_')}_${epoch}`;
			group.OfflineStoreConfig = {
				...input.OfflineStoreConfig,
				S3StorageConfig: {
					S3Uri: s3Uri,
					ResolvedOutputS3Uri: `${s3Uri}/${account}/sagemaker/${region}/offline-store/${name}-${epoch}/data`,
				},
				DataCatalogConfig: input.OfflineStoreConfig.DataCatalogConfig ?? {Catalog: 'AwsDataCatalog', Database: 'sagemaker_featurestore', TableName: table},
				TableFormat: input.OfflineStoreConfig.TableFormat ?? 'Glue',
			};
			group.OfflineStoreStatus = {Status: 'Active'};
		}

		const readyAt = readyAfterMs === Infinity ? null : now.getTime() + readyAfterMs;
		const status: FeatureGroupStatus = 'Creating';
		const inserted = this.db
			.prepare('INSERT INTO feature_groups (name, doc, status, ready_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO NOTHING')
			.run(name, JSON.stringify(group), status, readyAt);
		if (inserted.changes === 0) {
			throw new FsError('usage', `Feature group ${name} already exists.`, 'Pick another name, or migrate into the existing group.', 'ResourceInUse');
		}

		return this.get(name);
	}

	private fromRow(row: Row): FeatureGroup {
		const group = JSON.parse(row.doc) as FeatureGroup;
		group.CreationTime = new Date(group.CreationTime);
		const ready = row.status === 'Creating' && row.ready_at_ms !== null && row.ready_at_ms <= Date.now();
		group.FeatureGroupStatus = ready ? 'Created' : row.status;
		return group;
	}
}
