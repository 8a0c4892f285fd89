/** A new target drafted from a source's schema: its name, and the request `fs create` would send. */
import {describe, expect, it} from 'vitest';
import type {FeatureGroup} from '../../source/core/types.js';
import {draftFrom, freeName, newGroupInput} from '../../source/migration/new-group.js';
import type {Store} from '../../source/stores/store.js';

const source: FeatureGroup = {
	FeatureGroupName: 'profile',
	FeatureGroupArn: 'arn:aws:sagemaker:eu-west-1:111122223333:feature-group/profile',
	RecordIdentifierFeatureName: 'id',
	EventTimeFeatureName: 'at',
	FeatureDefinitions: [{FeatureName: 'id', FeatureType: 'String'}, {FeatureName: 'at', FeatureType: 'Fractional'}, {FeatureName: 'score', FeatureType: 'Integral'}],
	CreationTime: new Date(0),
	FeatureGroupStatus: 'Created',
	OnlineStoreConfig: {EnableOnlineStore: true, StorageType: 'InMemory', TtlDuration: {Unit: 'Days', Value: 30}},
	OfflineStoreConfig: {S3StorageConfig: {S3Uri: 's3://bucket/features'}, TableFormat: 'Iceberg'},
	RoleArn: 'arn:aws:iam::111122223333:role/writer',
};
const service = {info: {}} as unknown as Store;
const embedded = {info: {createDefaults: {s3Uri: 's3://local/fs', roleArn: 'arn:aws:iam::000000000000:role/fs-local'}}} as unknown as Store;

describe('a new group from a source', () => {
	it('is named after the source, on the first free version', () => {
		expect(freeName('profile', [])).toBe('profile-v2');
		expect(freeName('profile', ['profile-v2', 'PROFILE-V3'])).toBe('profile-v4');
		expect(freeName('profile-v7', ['profile-v8'])).toBe('profile-v9');
		expect(freeName('x'.repeat(64), [])).toBe(`${'x'.repeat(61)}-v2`);
	});

	it('keeps the source\'s identifier, event time, stores and role; drops what is dropped', () => {
		const draft = draftFrom(source, ['profile']);
		draft.features[2]!.dropped = true;
		draft.features.push({feature: {FeatureName: 'tier', FeatureType: 'String'}, dropped: false});
		expect(newGroupInput(service, draft)).toEqual({
			FeatureGroupName: 'profile-v2', RecordIdentifierFeatureName: 'id', EventTimeFeatureName: 'at',
			FeatureDefinitions: [{FeatureName: 'id', FeatureType: 'String'}, {FeatureName: 'at', FeatureType: 'Fractional'}, {FeatureName: 'tier', FeatureType: 'String'}],
			Description: 'Created by fs from profile',
			OnlineStoreConfig: {EnableOnlineStore: true, StorageType: 'InMemory', TtlDuration: {Unit: 'Days', Value: 30}},
			OfflineStoreConfig: {S3StorageConfig: {S3Uri: 's3://bucket/features'}, TableFormat: 'Iceberg'},
			RoleArn: 'arn:aws:iam::111122223333:role/writer',
		});
		// The store's defaults for new groups come first.
		expect(newGroupInput(embedded, draft)).toMatchObject({OfflineStoreConfig: {S3StorageConfig: {S3Uri: 's3://local/fs'}}, RoleArn: 'arn:aws:iam::000000000000:role/fs-local'});
	});

	it('is checked as fs create checks a schema file', () => {
		const draft = draftFrom(source, []);
		expect(() => newGroupInput(service, {...draft, name: 'bad name'})).toThrow(/Invalid feature group name "bad name"/);
		const twice = {...draft, features: [...draft.features, {feature: {FeatureName: 'SCORE', FeatureType: 'String' as const}, dropped: false}]};
		expect(() => newGroupInput(service, twice)).toThrow(/Feature SCORE is defined twice/);
		const reserved = {...draft, features: [...draft.features, {feature: {FeatureName: 'is_deleted', FeatureType: 'String' as const}, dropped: false}]};
		expect(() => newGroupInput(service, reserved)).toThrow(/reserved by the offline store/);
		expect(() => newGroupInput(service, {...draft, source: {...source, RoleArn: undefined}})).toThrow(/names no role/);
	});
});
