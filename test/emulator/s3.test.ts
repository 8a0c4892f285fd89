/**
 * S3 through the real S3Client (path-style): listing past 1000 keys,
 * delimiters, ranges, DeleteObjects, typed errors — and the offline store's
 * Parquet files seen as the objects they are in SageMaker's layout.
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {
	DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, NoSuchKey, NotFound, paginateListObjectsV2, PutObjectCommand,
} from '@aws-sdk/client-s3';
import {CreateFeatureGroupCommand, DescribeFeatureGroupCommand} from '@aws-sdk/client-sagemaker';
import {PutRecordCommand} from '@aws-sdk/client-sagemaker-featurestore-runtime';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {at, emulatorUnderTest, groupRequest, wire, type EmulatorUnderTest} from './setup.js';

describe('emulator: S3', () => {
	let subject: EmulatorUnderTest;
	const keys = Array.from({length: 1500}, (_, index) => `many/${index % 3}/key-${String(index).padStart(4, '0')}.txt`);

	const list = async (Bucket: string, Prefix?: string) => {
		const out: string[] = [];
		let pages = 0;
		for await (const page of paginateListObjectsV2({client: subject.s3}, {Bucket, Prefix})) {
			pages++;
			out.push(...(page.Contents ?? []).map(object => object.Key!));
		}

		return {keys: out, pages};
	};

	beforeAll(async () => {
		subject = await emulatorUnderTest();
		// Objects on disk are objects in S3: written directly, 1500 PutObjects would only be slower.
		for (const key of keys) {
			const file = path.join(subject.dir, 's3', 'listing', ...key.split('/'));
			mkdirSync(path.dirname(file), {recursive: true});
			writeFileSync(file, key);
		}
	});
	afterAll(async () => subject.stop());

	it('puts, heads and gets objects, with byte ranges', async () => {
		const body = 'hello, emulated world';
		const put = await subject.s3.send(new PutObjectCommand({Bucket: 'objects', Key: 'dir/hello.txt', Body: body}));
		const head = await subject.s3.send(new HeadObjectCommand({Bucket: 'objects', Key: 'dir/hello.txt'}));
		expect(head).toMatchObject({ContentLength: body.length, ETag: put.ETag, LastModified: expect.any(Date)});
		expect(await (await subject.s3.send(new GetObjectCommand({Bucket: 'objects', Key: 'dir/hello.txt'}))).Body!.transformToString()).toBe(body);
		const part = await subject.s3.send(new GetObjectCommand({Bucket: 'objects', Key: 'dir/hello.txt', Range: 'bytes=7-14'}));
		expect(part.$metadata.httpStatusCode).toBe(206);
		expect(part.ContentRange).toBe(`bytes 7-14/${body.length}`);
		expect(await part.Body!.transformToString()).toBe('emulated');
		const tail = await subject.s3.send(new GetObjectCommand({Bucket: 'objects', Key: 'dir/hello.txt', Range: 'bytes=-5'}));
		expect(await tail.Body!.transformToString()).toBe('world');
		await expect(subject.s3.send(new GetObjectCommand({Bucket: 'objects', Key: 'dir/hello.txt', Range: 'bytes=100-'}))).rejects.toMatchObject({name: 'InvalidRange', $metadata: {httpStatusCode: 416}});
	});

	it('answers NoSuchKey and NotFound', async () => {
		await expect(subject.s3.send(new GetObjectCommand({Bucket: 'objects', Key: 'missing'}))).rejects.toBeInstanceOf(NoSuchKey);
		await expect(subject.s3.send(new HeadObjectCommand({Bucket: 'objects', Key: 'missing'}))).rejects.toBeInstanceOf(NotFound);
	});

	it('lists more than 1000 keys in pages, in order, each exactly once', async () => {
		const all = await list('listing');
		expect(all.pages).toBe(2);
		expect(all.keys).toEqual([...keys].sort());
		const some = await list('listing', 'many/1/');
		expect(some.keys).toEqual(keys.filter(key => key.startsWith('many/1/')).sort());
		const small = await subject.s3.send(new ListObjectsV2Command({Bucket: 'listing', MaxKeys: 10, StartAfter: 'many/2/key-1496.txt'}));
		expect(small).toMatchObject({KeyCount: 1, IsTruncated: false});
		expect(small.Contents?.[0]).toMatchObject({Key: 'many/2/key-1499.txt', Size: 'many/2/key-1499.txt'.length});
	});

	it('rolls keys up into common prefixes with a delimiter, across pages', async () => {
		const prefixes: string[] = [];
		let ContinuationToken: string | undefined;
		do {
			const page = await subject.s3.send(new ListObjectsV2Command({Bucket: 'listing', Prefix: 'many/', Delimiter: '/', MaxKeys: 2, ContinuationToken}));
			prefixes.push(...(page.CommonPrefixes ?? []).map(common => common.Prefix!));
			expect(page.Contents ?? []).toEqual([]);
			ContinuationToken = page.NextContinuationToken;
		} while (ContinuationToken);
		expect(prefixes).toEqual(['many/0/', 'many/1/', 'many/2/']);
	});

	it('deletes up to 1000 objects in one call', async () => {
		const doomed = keys.filter(key => key.startsWith('many/0/'));
		const result = await subject.s3.send(new DeleteObjectsCommand({Bucket: 'listing', Delete: {Objects: [...doomed, 'never/there'].map(Key => ({Key}))}}));
		expect(result.Deleted?.map(deleted => deleted.Key)).toEqual([...doomed, 'never/there']);
		expect(result.Errors).toBeUndefined();
		expect((await list('listing')).keys).toEqual(keys.filter(key => !key.startsWith('many/0/')).sort());
		const quiet = await subject.s3.send(new DeleteObjectsCommand({Bucket: 'listing', Delete: {Objects: [{Key: 'many/1/key-0001.txt'}], Quiet: true}}));
		expect(quiet.Deleted).toBeUndefined();
	});

	it('shows the offline store\'s Parquet files under ResolvedOutputS3Uri as soon as anyone looks', async () => {
		await subject.sagemaker.send(new CreateFeatureGroupCommand(groupRequest('landed')));
		await subject.runtime.send(new PutRecordCommand({FeatureGroupName: 'landed', Record: wire({id: 'a', event_time: at(1)})}));
		const resolved = (await subject.sagemaker.send(new DescribeFeatureGroupCommand({FeatureGroupName: 'landed'}))).OfflineStoreConfig!.S3StorageConfig!.ResolvedOutputS3Uri!;
		const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.+)$/.exec(resolved)!;
		const {keys: files} = await list(bucket!, `${prefix}/`);
		expect(files).toHaveLength(1);
		expect(files[0]).toMatch(/\/data\/year=2024\/month=01\/day=01\/hour=00\/\d{8}T\d{6}Z_[A-Za-z0-9]{16}\.parquet$/);
	});
});
