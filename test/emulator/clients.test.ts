/**
 * The catalog and identity calls that tools make before they query, as the
 * AWS API reference documents them, through the AWS SDK v3 clients (always)
 * and boto3 (an independent client, when Python has it; skipped with the
 * reason printed when not): Glue's catalog, STS's caller identity, Athena's
 * metadata and history calls, and what is not emulated, answered in each
 * protocol's own error.
 */
import {execFile, spawnSync} from 'node:child_process';
import {promisify} from 'node:util';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {
	AthenaClient, BatchGetQueryExecutionCommand, GetQueryExecutionCommand, GetTableMetadataCommand, ListDatabasesCommand, ListQueryExecutionsCommand,
	ListTableMetadataCommand, ListWorkGroupsCommand, MetadataException, StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {EntityNotFoundException, GetDatabaseCommand, GetDatabasesCommand, GetPartitionsCommand, GetTableCommand, GetTablesCommand, GlueClient} from '@aws-sdk/client-glue';
import {CreateFeatureGroupCommand, DescribeFeatureGroupCommand} from '@aws-sdk/client-sagemaker';
import {GetCallerIdentityCommand, GetSessionTokenCommand, STSClient} from '@aws-sdk/client-sts';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {emulatorUnderTest, groupRequest, type EmulatorUnderTest} from './setup.js';

let subject: EmulatorUnderTest;
let table: string;
let glue: GlueClient;
let sts: STSClient;
const config = () => ({endpoint: subject.emulator.url, region: 'us-east-1', credentials: {accessKeyId: 'test', secretAccessKey: 'test'}, maxAttempts: 1});

beforeAll(async () => {
	subject = await emulatorUnderTest({athenaOutput: 's3://athena-results/clients'});
	for (const name of ['orders', 'order-lines', 'customers']) await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest(name)));
	table = (await subject.sagemaker.send(new DescribeFeatureGroupCommand({FeatureGroupName: 'orders'}))).OfflineStoreConfig!.DataCatalogConfig!.TableName!;
	glue = new GlueClient(config());
	sts = new STSClient(config());
});
afterAll(async () => {
	glue?.destroy();
	sts?.destroy();
	await subject?.stop();
});

describe('through the AWS SDK v3', () => {
	it('Glue: GetDatabases, GetDatabase, GetTables (Expression), GetTable with the offline table\'s columns and location', async () => {
		const databases = await glue.send(new GetDatabasesCommand({}));
		expect(databases.DatabaseList!.map(item => item.Name)).toEqual(['default', 'sagemaker_featurestore']);
		expect((await glue.send(new GetDatabaseCommand({Name: 'sagemaker_featurestore'}))).Database!.Name).toBe('sagemaker_featurestore');
		await expect(glue.send(new GetDatabaseCommand({Name: 'nope'}))).rejects.toBeInstanceOf(EntityNotFoundException);
		const tables = await glue.send(new GetTablesCommand({DatabaseName: 'sagemaker_featurestore'}));
		expect(tables.TableList).toHaveLength(3);
		const some = await glue.send(new GetTablesCommand({DatabaseName: 'sagemaker_featurestore', Expression: 'order*'}));
		expect(some.TableList!.map(item => item.Name).sort()).toEqual(tables.TableList!.map(item => item.Name!).filter(name => name.startsWith('order')).sort());
		expect(some.TableList).toHaveLength(2);
		const {Table} = await glue.send(new GetTableCommand({DatabaseName: 'sagemaker_featurestore', Name: table}));
		expect(Table!.StorageDescriptor!.Columns!.map(column => [column.Name, column.Type])).toEqual([
			['id', 'string'], ['event_time', 'string'], ['n', 'bigint'], ['x', 'double'], ['label', 'string'],
			['write_time', 'timestamp'], ['api_invocation_time', 'timestamp'], ['is_deleted', 'boolean'],
		]);
		expect(Table!.StorageDescriptor!.Location).toMatch(/^s3:\/\/.+\/sagemaker\/us-east-1\/offline-store\/orders-\d+\/data$/);
		await expect(glue.send(new GetTableCommand({DatabaseName: 'sagemaker_featurestore', Name: 'nope'}))).rejects.toBeInstanceOf(EntityNotFoundException);
	});

	it('Glue operations not emulated are UnknownOperationException, naming the operation', async () => {
		await expect(glue.send(new GetPartitionsCommand({DatabaseName: 'sagemaker_featurestore', TableName: table}))).rejects.toMatchObject({
			name: 'UnknownOperationException', message: 'The fs emulator does not implement AWSGlue.GetPartitions.',
		});
	});

	it('STS: GetCallerIdentity names the store\'s account; other actions are InvalidAction', async () => {
		const identity = await sts.send(new GetCallerIdentityCommand({}));
		expect(identity.Account).toMatch(/^\d{12}$/);
		expect(identity.Arn).toBe(`arn:aws:iam::${identity.Account}:user/fs-emulator`);
		expect(subject.emulator.store.info.account).toBe(identity.Account);
		await expect(sts.send(new GetSessionTokenCommand({}))).rejects.toMatchObject({name: 'InvalidAction', message: 'The fs emulator does not implement STS GetSessionToken.'});
	});

	it('Athena: ListDatabases, ListTableMetadata, GetTableMetadata, ListWorkGroups', async () => {
		const athena: AthenaClient = subject.athena;
		const databases = await athena.send(new ListDatabasesCommand({CatalogName: 'AwsDataCatalog'}));
		expect(databases.DatabaseList!.map(item => item.Name)).toEqual(['default', 'sagemaker_featurestore']);
		await expect(athena.send(new ListDatabasesCommand({CatalogName: 'other'}))).rejects.toBeInstanceOf(MetadataException);
		const tables = await athena.send(new ListTableMetadataCommand({CatalogName: 'AwsDataCatalog', DatabaseName: 'sagemaker_featurestore', MaxResults: 2}));
		expect(tables.TableMetadataList).toHaveLength(2);
		const rest = await athena.send(new ListTableMetadataCommand({CatalogName: 'AwsDataCatalog', DatabaseName: 'sagemaker_featurestore', MaxResults: 2, NextToken: tables.NextToken}));
		expect(rest.TableMetadataList).toHaveLength(1);
		expect(rest.NextToken).toBeUndefined();
		const metadata = await athena.send(new GetTableMetadataCommand({CatalogName: 'AwsDataCatalog', DatabaseName: 'sagemaker_featurestore', TableName: table}));
		expect(metadata.TableMetadata!.Columns!.map(column => column.Type)).toEqual(['string', 'string', 'bigint', 'double', 'string', 'timestamp', 'timestamp', 'boolean']);
		await expect(athena.send(new GetTableMetadataCommand({CatalogName: 'AwsDataCatalog', DatabaseName: 'sagemaker_featurestore', TableName: 'nope'}))).rejects.toBeInstanceOf(MetadataException);
		expect((await athena.send(new ListWorkGroupsCommand({}))).WorkGroups!.map(group => [group.Name, group.State])).toEqual([['primary', 'ENABLED']]);
	});

	it('Athena: ListQueryExecutions (newest first) and BatchGetQueryExecution (unknown ids as unprocessed)', async () => {
		const athena = subject.athena;
		const ids: string[] = [];
		for (const query of ['SELECT 1', 'SELECT 2']) {
			const {QueryExecutionId} = await athena.send(new StartQueryExecutionCommand({QueryString: query}));
			ids.push(QueryExecutionId!);
			while (['QUEUED', 'RUNNING'].includes((await athena.send(new GetQueryExecutionCommand({QueryExecutionId}))).QueryExecution!.Status!.State!)) await new Promise(resolve => setTimeout(resolve, 5));
		}

		const listed = await athena.send(new ListQueryExecutionsCommand({}));
		expect(listed.QueryExecutionIds!.slice(0, 2)).toEqual([ids[1], ids[0]]);
		const batch = await athena.send(new BatchGetQueryExecutionCommand({QueryExecutionIds: [ids[0]!, 'no-such-id']}));
		expect(batch.QueryExecutions!.map(execution => [execution.QueryExecutionId, execution.Query, execution.Status!.State])).toEqual([[ids[0], 'SELECT 1', 'SUCCEEDED']]);
		expect(batch.UnprocessedQueryExecutionIds).toEqual([expect.objectContaining({QueryExecutionId: 'no-such-id'})]);
	});
});

/** boto3, when this machine's Python has it: an independent client of the same APIs. */
const python = spawnSync('python3', ['-c', 'import boto3'], {encoding: 'utf8'});
const boto3 = python.status === 0;
if (!boto3) console.log(`boto3 checks skipped: ${python.error ? 'no python3' : 'python3 has no boto3'} (pip install boto3 to run them)`);

describe.skipIf(!boto3)('through boto3', () => {
	it('answers Glue, STS, Athena\'s catalog, UpdateFeatureGroup, DeleteFeatureGroup, ExpiresAt, CopyObject and NoSuchBucket, and names what is missing in each protocol\'s error', async () => {
		const script = path.join(subject.dir, 'boto3-check.py');
		writeFileSync(script, `
import json, sys, boto3, botocore
kw = dict(endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test', config=botocore.config.Config(retries={'max_attempts': 1}))
out = {}
out['account'] = boto3.client('sts', **kw).get_caller_identity()['Account']
glue = boto3.client('glue', **kw)
out['databases'] = [d['Name'] for d in glue.get_databases()['DatabaseList']]
out['columns'] = [c['Name'] for c in glue.get_table(DatabaseName='sagemaker_featurestore', Name=sys.argv[2])['Table']['StorageDescriptor']['Columns']]
athena = boto3.client('athena', **kw)
out['athena_databases'] = [d['Name'] for d in athena.list_databases(CatalogName='AwsDataCatalog')['DatabaseList']]
pages = athena.get_paginator('list_table_metadata').paginate(CatalogName='AwsDataCatalog', DatabaseName='sagemaker_featurestore', PaginationConfig={'PageSize': 1})
out['tables'] = sum(len(page['TableMetadataList']) for page in pages)
def error(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return [e.response['Error']['Code'], e.response['Error']['Message']]
out['glue_missing'] = error(lambda: glue.get_partitions(DatabaseName='sagemaker_featurestore', TableName=sys.argv[2]))
out['glue_not_found'] = error(lambda: glue.get_table(DatabaseName='sagemaker_featurestore', Name='nope'))
out['iam_missing'] = error(lambda: boto3.client('iam', **kw).list_users())
out['kinesis_missing'] = error(lambda: boto3.client('kinesis', **kw).list_streams())
out['bad_enum'] = error(lambda: boto3.client('sagemaker', **kw).create_feature_group(FeatureGroupName='bad', RecordIdentifierFeatureName='id', EventTimeFeatureName='t',
    FeatureDefinitions=[{'FeatureName': 'id', 'FeatureType': 'String'}, {'FeatureName': 't', 'FeatureType': 'Boolean'}], OnlineStoreConfig={'EnableOnlineStore': True}))
sm = boto3.client('sagemaker', **kw)
runtime = boto3.client('sagemaker-featurestore-runtime', **kw)
sm.create_feature_group(FeatureGroupName='boto-group', RecordIdentifierFeatureName='id', EventTimeFeatureName='t',
    FeatureDefinitions=[{'FeatureName': 'id', 'FeatureType': 'String'}, {'FeatureName': 't', 'FeatureType': 'String'}],
    OnlineStoreConfig={'EnableOnlineStore': True, 'TtlDuration': {'Unit': 'Days', 'Value': 400}})
sm.update_feature_group(FeatureGroupName='boto-group', FeatureAdditions=[{'FeatureName': 'tier', 'FeatureType': 'String'}])
out['features'] = [f['FeatureName'] for f in sm.describe_feature_group(FeatureGroupName='boto-group')['FeatureDefinitions']]
runtime.put_record(FeatureGroupName='boto-group', Record=[{'FeatureName': 'id', 'ValueAsString': 'a'}, {'FeatureName': 't', 'ValueAsString': sys.argv[3]}, {'FeatureName': 'tier', 'ValueAsString': 'gold'}])
got = runtime.get_record(FeatureGroupName='boto-group', RecordIdentifierValueAsString='a', ExpirationTimeResponse='Enabled')
out['record'] = {v['FeatureName']: v['ValueAsString'] for v in got['Record']}
out['expires'] = got.get('ExpiresAt')
sm.delete_feature_group(FeatureGroupName='boto-group')
out['deleted'] = error(lambda: sm.describe_feature_group(FeatureGroupName='boto-group'))[0]
s3 = boto3.client('s3', **kw)
out['no_bucket'] = error(lambda: s3.head_bucket(Bucket='never-made-boto'))[0]
s3.create_bucket(Bucket='boto-bucket')
put = s3.put_object(Bucket='boto-bucket', Key='a.txt', Body=b'hello')
copied = s3.copy_object(Bucket='boto-bucket', Key='b.txt', CopySource={'Bucket': 'boto-bucket', 'Key': 'a.txt'})
out['etags'] = [put['ETag'], copied['CopyObjectResult']['ETag']]
print(json.dumps(out))
`);
		// Not execFileSync: the emulator answers from this process's event loop.
		const eventTime = new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
		const {stdout} = await promisify(execFile)('python3', [script, subject.emulator.url, table, eventTime], {encoding: 'utf8'});
		const out = JSON.parse(stdout) as Record<string, unknown>;
		expect(out['account']).toBe(subject.emulator.store.info.account);
		expect(out['databases']).toEqual(['default', 'sagemaker_featurestore']);
		expect(out['columns']).toEqual(['id', 'event_time', 'n', 'x', 'label', 'write_time', 'api_invocation_time', 'is_deleted']);
		expect(out['athena_databases']).toEqual(['default', 'sagemaker_featurestore']);
		expect(out['tables']).toBe(3);
		expect(out['glue_missing']).toEqual(['UnknownOperationException', 'The fs emulator does not implement AWSGlue.GetPartitions.']);
		expect(out['glue_not_found']).toEqual(['EntityNotFoundException', 'Table nope not found.']);
		expect(out['iam_missing']).toEqual(['InvalidAction', 'The fs emulator does not implement IAM ListUsers.']);
		expect(out['bad_enum']).toEqual(['ValidationException', '1 validation error detected: Value \'Boolean\' at \'featureDefinitions.2.member.featureType\' failed to satisfy constraint: Member must satisfy enum value set: [Integral, Fractional, String]']);
		expect(out['features']).toEqual(['id', 't', 'tier']);
		expect(out['record']).toEqual({id: 'a', t: eventTime, tier: 'gold'});
		expect(out['expires']).toBe(new Date(Date.parse(eventTime) + 400 * 86_400_000).toISOString().replace('.000Z', 'Z'));
		expect(out['deleted']).toBe('ResourceNotFound');
		expect(out['no_bucket']).toBe('404');
		expect(out['etags']).toEqual(['"5d41402abc4b2a76b9719d911017c592"', '"5d41402abc4b2a76b9719d911017c592"']);
		expect(out['kinesis_missing']).toEqual(['UnknownOperationException', 'The fs emulator does not implement Kinesis_20131202.ListStreams.']);
	});
});
