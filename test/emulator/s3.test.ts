/**
 * S3 through the real S3Client (path-style): listing past 1000 keys,
 * delimiters, ranges, DeleteObjects, typed errors — and the offline store's
 * Parquet files seen as the objects they are in SageMaker's layout.
 */
import {execFile, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {promisify} from 'node:util';
import path from 'node:path';
import {
	AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectsCommand, GetObjectCommand,
	HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, NoSuchBucket, NoSuchKey, NoSuchUpload, NotFound, paginateListObjectsV2, PutObjectCommand, UploadPartCommand,
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

	it('gives the MD5 of the object as its ETag, on PUT, HEAD, GET and in listings', async () => {
		const body = 'an object whose ETag is its MD5';
		const md5 = `"${createHash('md5').update(body).digest('hex')}"`;
		expect((await subject.s3.send(new PutObjectCommand({Bucket: 'etags', Key: 'a.txt', Body: body}))).ETag).toBe(md5);
		expect((await subject.s3.send(new HeadObjectCommand({Bucket: 'etags', Key: 'a.txt'}))).ETag).toBe(md5);
		expect((await subject.s3.send(new GetObjectCommand({Bucket: 'etags', Key: 'a.txt'}))).ETag).toBe(md5);
		expect((await subject.s3.send(new ListObjectsV2Command({Bucket: 'etags'}))).Contents![0]!.ETag).toBe(md5);
	});

	it('answers NoSuchBucket (HeadBucket: NotFound) for a bucket never created, until CreateBucket', async () => {
		await expect(subject.s3.send(new HeadBucketCommand({Bucket: 'never-made'}))).rejects.toBeInstanceOf(NotFound);
		await expect(subject.s3.send(new ListObjectsV2Command({Bucket: 'never-made'}))).rejects.toBeInstanceOf(NoSuchBucket);
		await expect(subject.s3.send(new GetObjectCommand({Bucket: 'never-made', Key: 'x'}))).rejects.toBeInstanceOf(NoSuchBucket);
		await subject.s3.send(new CreateBucketCommand({Bucket: 'never-made'}));
		await subject.s3.send(new HeadBucketCommand({Bucket: 'never-made'}));
		expect((await subject.s3.send(new ListObjectsV2Command({Bucket: 'never-made'}))).KeyCount).toBe(0);
	});

	it('copies objects (CopyObject), the copy with the same ETag', async () => {
		await subject.s3.send(new PutObjectCommand({Bucket: 'copies', Key: 'from/a b.txt', Body: 'copied'}));
		const copied = await subject.s3.send(new CopyObjectCommand({Bucket: 'copies', Key: 'to/b.txt', CopySource: 'copies/from/a%20b.txt'}));
		expect(copied.CopyObjectResult!.ETag).toBe(`"${createHash('md5').update('copied').digest('hex')}"`);
		expect(await (await subject.s3.send(new GetObjectCommand({Bucket: 'copies', Key: 'to/b.txt'}))).Body!.transformToString()).toBe('copied');
		await expect(subject.s3.send(new CopyObjectCommand({Bucket: 'copies', Key: 'to/c.txt', CopySource: 'copies/nothing'}))).rejects.toBeInstanceOf(NoSuchKey);
	});

	it('takes multipart uploads: parts of 5 MiB or more but the last, joined in order, S3\'s multipart ETag; aborted ones leave nothing', async () => {
		const parts = [Buffer.alloc(5 * 1024 * 1024, 'a'), Buffer.alloc(5 * 1024 * 1024, 'b'), Buffer.from('tail')];
		const {UploadId} = await subject.s3.send(new CreateMultipartUploadCommand({Bucket: 'uploads', Key: 'big.bin'}));
		const etags: string[] = [];
		for (const [index, Body] of parts.entries()) {
			etags.push((await subject.s3.send(new UploadPartCommand({Bucket: 'uploads', Key: 'big.bin', UploadId, PartNumber: index + 1, Body}))).ETag!);
		}

		const done = await subject.s3.send(new CompleteMultipartUploadCommand({
			Bucket: 'uploads', Key: 'big.bin', UploadId, MultipartUpload: {Parts: etags.map((ETag, index) => ({ETag, PartNumber: index + 1}))},
		}));
		const digests = Buffer.concat(parts.map(part => createHash('md5').update(part).digest()));
		const expected = `"${createHash('md5').update(digests).digest('hex')}-3"`;
		expect(done.ETag).toBe(expected);
		const head = await subject.s3.send(new HeadObjectCommand({Bucket: 'uploads', Key: 'big.bin'}));
		expect([head.ContentLength, head.ETag]).toEqual([10 * 1024 * 1024 + 4, expected]);
		expect(readFileSync(path.join(subject.dir, 's3', 'uploads', 'big.bin')).subarray(-6).toString()).toBe('bbtail');
		// A part too small but for the last, and parts out of order, are refused; an aborted upload is gone.
		const small = await subject.s3.send(new CreateMultipartUploadCommand({Bucket: 'uploads', Key: 'small.bin'}));
		const tiny = await Promise.all([1, 2].map(async PartNumber => (await subject.s3.send(new UploadPartCommand({Bucket: 'uploads', Key: 'small.bin', UploadId: small.UploadId, PartNumber, Body: 'x'}))).ETag!));
		await expect(subject.s3.send(new CompleteMultipartUploadCommand({
			Bucket: 'uploads', Key: 'small.bin', UploadId: small.UploadId, MultipartUpload: {Parts: tiny.map((ETag, index) => ({ETag, PartNumber: index + 1}))},
		}))).rejects.toMatchObject({name: 'EntityTooSmall'});
		await expect(subject.s3.send(new CompleteMultipartUploadCommand({
			Bucket: 'uploads', Key: 'small.bin', UploadId: small.UploadId, MultipartUpload: {Parts: [{ETag: tiny[1], PartNumber: 2}, {ETag: tiny[0], PartNumber: 1}]},
		}))).rejects.toMatchObject({name: 'InvalidPartOrder'});
		await subject.s3.send(new AbortMultipartUploadCommand({Bucket: 'uploads', Key: 'small.bin', UploadId: small.UploadId}));
		await expect(subject.s3.send(new UploadPartCommand({Bucket: 'uploads', Key: 'small.bin', UploadId: small.UploadId, PartNumber: 3, Body: 'x'}))).rejects.toBeInstanceOf(NoSuchUpload);
		await expect(subject.s3.send(new HeadObjectCommand({Bucket: 'uploads', Key: 'small.bin'}))).rejects.toBeInstanceOf(NotFound);
	});

	const aws = spawnSync('aws', ['--version'], {encoding: 'utf8'});
	if (aws.status !== 0) console.log('AWS CLI checks skipped: no `aws` on PATH (install awscli to run them)');
	it.skipIf(aws.status !== 0)('takes the AWS CLI\'s multipart upload of a 9 MiB file, and gives it back whole', async () => {
		const file = path.join(subject.dir, 'cli-upload.bin');
		const bytes = Buffer.alloc(9 * 1024 * 1024);
		for (let index = 0; index < bytes.length; index += 4096) bytes.writeUInt32BE(index, index);
		writeFileSync(file, bytes);
		const env = {...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: subject.emulator.url, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null'};
		const run = promisify(execFile);
		await run('aws', ['s3api', 'create-bucket', '--bucket', 'cli-bucket'], {env});
		await run('aws', ['s3', 'cp', file, 's3://cli-bucket/up/file.bin'], {env});
		const head = JSON.parse((await run('aws', ['s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'up/file.bin'], {env})).stdout) as {ContentLength: number; ETag: string};
		expect(head.ContentLength).toBe(bytes.length);
		// Above the CLI's 8 MiB threshold: two parts.
		expect(head.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
		const back = path.join(subject.dir, 'cli-download.bin');
		await run('aws', ['s3', 'cp', 's3://cli-bucket/up/file.bin', back], {env});
		expect(readFileSync(back).equals(bytes)).toBe(true);
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
