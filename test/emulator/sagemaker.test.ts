/**
 * The SageMaker control plane through the real SageMakerClient: shapes as the
 * SDK deserialises them (timestamps as Dates), paging, typed errors.
 */
import {CreateFeatureGroupCommand, DeleteFeatureGroupCommand, UpdateFeatureGroupCommand, DescribeFeatureGroupCommand, ListFeatureGroupsCommand, paginateListFeatureGroups, ResourceInUse, ResourceNotFound} from '@aws-sdk/client-sagemaker';
import {GetRecordCommand, PutRecordCommand, ResourceNotFound as RecordNotFound} from '@aws-sdk/client-sagemaker-featurestore-runtime';
import {ListObjectsV2Command} from '@aws-sdk/client-s3';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {emulatorUnderTest, groupRequest, type EmulatorUnderTest} from './setup.js';

describe('emulator: SageMaker control plane', () => {
	let subject: EmulatorUnderTest;
	beforeAll(async () => {
		subject = await emulatorUnderTest();
	});
	afterAll(async () => subject.stop());

	it('creates a group and describes it in full', async () => {
		const before = Date.now();
		const created = await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest('customers', {Description: 'people'})));
		expect(created.FeatureGroupArn).toBe('arn:aws:sagemaker:us-east-1:000000000000:feature-group/customers');
		const group = await subject.sagemaker.send(new DescribeFeatureGroupCommand({FeatureGroupName: 'customers'}));
		expect(group).toMatchObject({
			FeatureGroupArn: created.FeatureGroupArn,
			FeatureGroupName: 'customers',
			RecordIdentifierFeatureName: 'id',
			EventTimeFeatureName: 'event_time',
			FeatureDefinitions: groupRequest('customers').FeatureDefinitions,
			OnlineStoreConfig: {EnableOnlineStore: true, StorageType: 'Standard'},
			FeatureGroupStatus: 'Created',
			OfflineStoreStatus: {Status: 'Active'},
			RoleArn: 'arn:aws:iam::000000000000:role/emulator',
			Description: 'people',
			ThroughputConfig: {ThroughputMode: 'OnDemand'},
		});
		// awsJson1_1 carries epoch seconds; the SDK turns them into a Date.
		expect(group.CreationTime).toBeInstanceOf(Date);
		expect(group.CreationTime!.getTime()).toBeGreaterThanOrEqual(before - 1000);
		const offline = group.OfflineStoreConfig!;
		expect(offline.DataCatalogConfig).toEqual({Catalog: 'AwsDataCatalog', Database: 'sagemaker_featurestore', TableName: expect.stringMatching(/^customers_\d+$/)});
		expect(offline.S3StorageConfig?.ResolvedOutputS3Uri).toMatch(/^s3:\/\/emulator-bucket\/fs\/000000000000\/sagemaker\/us-east-1\/offline-store\/customers-\d+\/data$/);
		expect(offline.TableFormat).toBe('Glue');
	});

	it('describes a group the embedded store made without a role (fs demo --store local:) with the store\'s default role, as the service always has one', async () => {
		const {RoleArn: _, ...request} = groupRequest('roleless');
		await subject.emulator.store.createFeatureGroup(request);
		const group = await subject.sagemaker.send(new DescribeFeatureGroupCommand({FeatureGroupName: 'roleless'}));
		expect(group.RoleArn).toBe(subject.emulator.store.info.createDefaults!.roleArn);
		const {RoleArn: __, OfflineStoreConfig: ___, ...online} = groupRequest('online-roleless');
		await subject.emulator.store.createFeatureGroup(online);
		expect((await subject.sagemaker.send(new DescribeFeatureGroupCommand({FeatureGroupName: 'online-roleless'}))).RoleArn).toBeUndefined();
	});

	it('describes by ARN too', async () => {
		const group = await subject.sagemaker.send(new DescribeFeatureGroupCommand({FeatureGroupName: 'arn:aws:sagemaker:us-east-1:000000000000:feature-group/customers'}));
		expect(group.FeatureGroupName).toBe('customers');
	});

	it('answers with the typed errors the SDK knows', async () => {
		await expect(subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest('customers')))).rejects.toBeInstanceOf(ResourceInUse);
		await expect(subject.sagemaker.send(new DescribeFeatureGroupCommand({FeatureGroupName: 'nobody'}))).rejects.toBeInstanceOf(ResourceNotFound);
		const invalid = await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest('bad name'))).catch((error: unknown) => error);
		expect(invalid).toMatchObject({name: 'ValidationException', message: expect.stringMatching(/Invalid feature group name/), $metadata: {httpStatusCode: 400}});
		const reserved = groupRequest('reserved');
		reserved.FeatureDefinitions.push({FeatureName: 'is_deleted', FeatureType: 'String'});
		await expect(subject.sagemaker.send(new CreateFeatureGroupCommand(reserved))).rejects.toMatchObject({name: 'ValidationException'});
		const dotted = await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest('dotted', {OfflineStoreConfig: {S3StorageConfig: {S3Uri: 's3://emulator-bucket/a/../../x'}}}))).catch((error: unknown) => error);
		expect(dotted).toMatchObject({name: 'ValidationException', message: 'The S3 URI s3://emulator-bucket/a/../../x has a "." or ".." segment.', $metadata: {httpStatusCode: 400}});
		await expect(subject.sagemaker.send(new DescribeFeatureGroupCommand({FeatureGroupName: 'dotted'}))).rejects.toBeInstanceOf(ResourceNotFound);
	});

	it('refuses enum and length violations as the API reference states them: ValidationException listing each', async () => {
		const bad = groupRequest('bad-enums', {
			FeatureDefinitions: [{FeatureName: 'id', FeatureType: 'String'}, {FeatureName: 'event_time', FeatureType: 'String'}, {FeatureName: 'flag', FeatureType: 'Boolean' as never}],
			OnlineStoreConfig: {EnableOnlineStore: true, StorageType: 'Fast' as never},
			Description: 'd'.repeat(129),
		});
		const refused = await subject.sagemaker.send(new CreateFeatureGroupCommand(bad)).then(() => new Error('accepted'), (error: Error) => error);
		expect(refused).toMatchObject({name: 'ValidationException'});
		expect(refused.message).toBe(`3 validation errors detected: Value 'Boolean' at 'featureDefinitions.3.member.featureType' failed to satisfy constraint: Member must satisfy enum value set: [Integral, Fractional, String]; `
			+ `Value 'Fast' at 'onlineStoreConfig.storageType' failed to satisfy constraint: Member must satisfy enum value set: [Standard, InMemory]; `
			+ `Value '${'d'.repeat(129)}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 128`);
		await expect(subject.sagemaker.send(new DescribeFeatureGroupCommand({FeatureGroupName: 'bad-enums'}))).rejects.toBeInstanceOf(ResourceNotFound);
		await expect(subject.sagemaker.send(new ListFeatureGroupsCommand({SortBy: 'Size' as never}))).rejects.toMatchObject({
			name: 'ValidationException', message: '1 validation error detected: Value \'Size\' at \'sortBy\' failed to satisfy constraint: Member must satisfy enum value set: [Name, FeatureGroupStatus, OfflineStoreStatus, CreationTime]',
		});
	});

	it('deletes a group (by name or ARN): gone from Describe, its online records with it, its offline objects left in S3', async () => {
		const {FeatureGroupArn} = await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest('short-lived')));
		await subject.runtime.send(new PutRecordCommand({FeatureGroupName: 'short-lived', Record: [{FeatureName: 'id', ValueAsString: 'a'}, {FeatureName: 'event_time', ValueAsString: '2024-01-01T00:00:00Z'}]}));
		const described = await subject.sagemaker.send(new DescribeFeatureGroupCommand({FeatureGroupName: 'short-lived'}));
		const [, Bucket, Prefix] = /^s3:\/\/([^/]+)\/(.+)$/.exec(described.OfflineStoreConfig!.S3StorageConfig!.ResolvedOutputS3Uri!)!;
		expect((await subject.s3.send(new ListObjectsV2Command({Bucket, Prefix}))).KeyCount).toBe(1);
		await subject.sagemaker.send(new DeleteFeatureGroupCommand({FeatureGroupName: FeatureGroupArn}));
		await expect(subject.sagemaker.send(new DescribeFeatureGroupCommand({FeatureGroupName: 'short-lived'}))).rejects.toBeInstanceOf(ResourceNotFound);
		await expect(subject.runtime.send(new GetRecordCommand({FeatureGroupName: 'short-lived', RecordIdentifierValueAsString: 'a'}))).rejects.toBeInstanceOf(RecordNotFound);
		expect((await subject.s3.send(new ListObjectsV2Command({Bucket, Prefix}))).KeyCount).toBe(1);
		await expect(subject.sagemaker.send(new DeleteFeatureGroupCommand({FeatureGroupName: 'short-lived'}))).rejects.toBeInstanceOf(ResourceNotFound);
	});

	it('adds features and sets the TTL (UpdateFeatureGroup); a feature that exists, or a bad type, is ValidationException', async () => {
		await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest('updated')));
		await subject.sagemaker.send(new UpdateFeatureGroupCommand({FeatureGroupName: 'updated', FeatureAdditions: [{FeatureName: 'tier', FeatureType: 'String'}], OnlineStoreConfig: {TtlDuration: {Unit: 'Hours', Value: 5}}}));
		const group = await subject.sagemaker.send(new DescribeFeatureGroupCommand({FeatureGroupName: 'updated'}));
		expect(group.FeatureDefinitions!.at(-1)).toEqual({FeatureName: 'tier', FeatureType: 'String'});
		expect(group.OnlineStoreConfig!.TtlDuration).toEqual({Unit: 'Hours', Value: 5});
		await expect(subject.sagemaker.send(new UpdateFeatureGroupCommand({FeatureGroupName: 'updated', FeatureAdditions: [{FeatureName: 'tier', FeatureType: 'String'}]}))).rejects.toMatchObject({name: 'ValidationException'});
		await expect(subject.sagemaker.send(new UpdateFeatureGroupCommand({FeatureGroupName: 'updated', FeatureAdditions: [{FeatureName: 'flag', FeatureType: 'Boolean' as never}]}))).rejects.toMatchObject({
			name: 'ValidationException', message: expect.stringContaining('Value \'Boolean\' at \'featureAdditions.1.member.featureType\''),
		});
	});

	it('lists every group exactly once through NextToken paging, with filters and sorting', async () => {
		for (let index = 0; index < 23; index++) {
			await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest(`page-${String(index).padStart(2, '0')}`, index % 2 === 0 ? {OfflineStoreConfig: undefined} : {})));
		}

		const names: string[] = [];
		let pages = 0;
		for await (const page of paginateListFeatureGroups({client: subject.sagemaker, pageSize: 5}, {NameContains: 'page-', SortBy: 'Name', SortOrder: 'Ascending'})) {
			pages++;
			expect(page.FeatureGroupSummaries!.length).toBeLessThanOrEqual(5);
			names.push(...page.FeatureGroupSummaries!.map(summary => summary.FeatureGroupName!));
		}

		expect(pages).toBe(5);
		expect(names).toEqual(Array.from({length: 23}, (_, index) => `page-${String(index).padStart(2, '0')}`));
		const offline = await subject.sagemaker.send(new ListFeatureGroupsCommand({NameContains: 'page-', OfflineStoreStatusEquals: 'Active', MaxResults: 100}));
		expect(offline.FeatureGroupSummaries).toHaveLength(11);
		expect(offline.NextToken).toBeUndefined();
		const newest = await subject.sagemaker.send(new ListFeatureGroupsCommand({MaxResults: 1, SortBy: 'CreationTime', SortOrder: 'Descending'}));
		expect(newest.FeatureGroupSummaries![0]).toMatchObject({FeatureGroupName: 'page-22', FeatureGroupStatus: 'Created', CreationTime: expect.any(Date)});
		await expect(subject.sagemaker.send(new ListFeatureGroupsCommand({MaxResults: 101}))).rejects.toMatchObject({name: 'ValidationException'});
	});
});
