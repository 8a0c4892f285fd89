/**
 * Requests the emulator refuses before serving them: from web pages (an
 * Origin, a Host that is not the emulator's: DNS rebinding), unsigned, and
 * bodies larger than the services take, refused early rather than read whole.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders} from 'node:http';
import path from 'node:path';
import {Readable} from 'node:stream';
import {GetObjectCommand, PutObjectCommand} from '@aws-sdk/client-s3';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {AwsChunkedDecoder} from '../../source/emulator/s3-objects.js';
import {at, emulatorUnderTest, groupRequest, type EmulatorUnderTest} from './setup.js';

interface Answer {
	status: number;
	headers: IncomingMessage['headers'];
	body: string;
	/** Request body bytes written before the answer came. */
	sent: number;
}

/** A signed SDK request carries one; its value is not checked. */
const signed = {authorization: 'AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sagemaker/aws4_request, SignedHeaders=host, Signature=0'};

/**
 * One raw HTTP request. `body` is sent whole; `stream` sends chunks of
 * `stream.chunk` bytes (chunked unless a content-length is given) until the
 * answer comes or `stream.upTo` bytes are sent.
 */
async function send(url: string, method: string, target: string, headers: OutgoingHttpHeaders, body?: string, stream?: {chunk: number; upTo: number}): Promise<Answer> {
	return new Promise((resolve, reject) => {
		let sent = 0;
		let answered = false;
		const request = httpRequest(`${url}${target}`, {method, headers, agent: false}, response => {
			answered = true;
			let text = '';
			response.setEncoding('utf8').on('data', chunk => {
				text += chunk;
			});
			response.on('end', () => resolve({status: response.statusCode!, headers: response.headers, body: text, sent}));
			response.on('error', reject);
		});
		// The server may close the connection while the body is still being sent: the answer is what counts.
		request.on('error', error => {
			if (!answered) reject(error);
		});
		if (!stream) {
			request.end(body);
			return;
		}

		const chunk = Buffer.alloc(stream.chunk, 'x');
		const pump = () => {
			while (!answered && sent < stream.upTo) {
				sent += chunk.length;
				if (!request.write(chunk)) {
					request.once('drain', pump);
					return;
				}
			}

			if (!answered) request.end();
		};

		pump();
	});
}

const batchWrite = (id: string) => JSON.stringify({Entries: [{FeatureGroupName: 'pages', Record: [{FeatureName: 'id', ValueAsString: id}, {FeatureName: 'event_time', ValueAsString: at(1)}]}]});
const deleteXml = '<Delete><Object><Key>keep.txt</Key></Object></Delete>';

describe('emulator: requests from web pages and unsigned requests', () => {
	let subject: EmulatorUnderTest;
	let host: string;

	beforeAll(async () => {
		subject = await emulatorUnderTest();
		host = new URL(subject.emulator.url).host;
		await subject.emulator.store.createFeatureGroup(groupRequest('pages'));
		await subject.s3.send(new PutObjectCommand({Bucket: 'files', Key: 'keep.txt', Body: 'kept'}));
	});
	afterAll(async () => subject.stop());

	const kept = async () => (await subject.s3.send(new GetObjectCommand({Bucket: 'files', Key: 'keep.txt'}))).Body!.transformToString();

	it('refuses a cross-site POST (an Origin header) to the record API and to S3, writing and deleting nothing', async () => {
		const page = {origin: 'http://evil.example', 'content-type': 'text/plain'};
		const write = await send(subject.emulator.url, 'POST', '/BatchWriteRecord', {...page, ...signed}, batchWrite('from-a-page'));
		expect(write.status).toBe(403);
		expect(write.headers['x-amzn-errortype']).toBe('AccessForbidden');
		expect(JSON.parse(write.body)).toMatchObject({__type: 'AccessForbidden', Message: expect.stringContaining('Origin')});
		expect(await subject.emulator.store.getRecord('pages', 'from-a-page')).toBeUndefined();

		const remove = await send(subject.emulator.url, 'POST', '/files?delete', {...page, ...signed}, deleteXml);
		expect(remove.status).toBe(403);
		expect(remove.body).toMatch(/<Error><Code>AccessDenied<\/Code><Message>[^<]*Origin/);
		expect(await kept()).toBe('kept');

		// Even without a body type a page could send, and on the control plane.
		const control = await send(subject.emulator.url, 'POST', '/', {origin: 'null', 'x-amz-target': 'SageMaker.ListFeatureGroups', 'content-type': 'application/x-amz-json-1.1', ...signed}, '{}');
		expect(control.status).toBe(403);
		expect(control.headers['x-amzn-errortype']).toBe('AccessDeniedException');
	});

	it('refuses a Host other than the address it listens on (DNS rebinding) and another port', async () => {
		for (const other of ['evil.example', `evil.example:${subject.emulator.port}`, `127.0.0.1:${subject.emulator.port + 1}`, `127.0.0.1.evil.example:${subject.emulator.port}`]) {
			const write = await send(subject.emulator.url, 'POST', '/BatchWriteRecord', {host: other, 'content-type': 'application/json', ...signed}, batchWrite('rebound'));
			expect({other, status: write.status}).toEqual({other, status: 403});
			expect(JSON.parse(write.body)).toMatchObject({__type: 'AccessForbidden', Message: expect.stringContaining('Host')});
		}

		expect(await subject.emulator.store.getRecord('pages', 'rebound')).toBeUndefined();
		const local = await send(subject.emulator.url, 'POST', '/BatchWriteRecord', {host: `localhost:${subject.emulator.port}`, 'content-type': 'application/json', ...signed}, batchWrite('by-localhost'));
		expect(local.status).toBe(200);
		expect(await subject.emulator.store.getRecord('pages', 'by-localhost')).toMatchObject({id: 'by-localhost'});
	});

	it('refuses a request without an Authorization header; a presigned URL\'s query signature reads objects', async () => {
		const write = await send(subject.emulator.url, 'POST', '/BatchWriteRecord', {'content-type': 'application/json'}, batchWrite('unsigned'));
		expect(write.status).toBe(403);
		expect(JSON.parse(write.body)).toMatchObject({__type: 'MissingAuthenticationTokenException'});
		expect(await subject.emulator.store.getRecord('pages', 'unsigned')).toBeUndefined();

		const remove = await send(subject.emulator.url, 'POST', '/files?delete&X-Amz-Signature=0', {}, deleteXml);
		expect(remove.status).toBe(403);
		expect(remove.body).toContain('<Code>AccessDenied</Code>');
		expect(await kept()).toBe('kept');

		const read = await send(subject.emulator.url, 'GET', '/files/keep.txt', {});
		expect(read.status).toBe(403);
		const presigned = await send(subject.emulator.url, 'GET', '/files/keep.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=0', {});
		expect(presigned).toMatchObject({status: 200, body: 'kept'});
		expect(host).toBe(`127.0.0.1:${subject.emulator.port}`);
	});
});

describe('emulator: request bodies over what the services take', () => {
	let subject: EmulatorUnderTest;
	const objectCap = 1024 * 1024;

	beforeAll(async () => {
		subject = await emulatorUnderTest({maxObjectBytes: objectCap});
	});
	afterAll(async () => subject.stop());

	const temporaries = () => (existsSync(path.join(subject.dir, 'tmp')) ? readdirSync(path.join(subject.dir, 'tmp')).filter(name => name.startsWith('s3-put-')) : []);

	it('refuses a JSON request whose Content-Length is over the cap at once, before its body is sent', async () => {
		const answer = await send(subject.emulator.url, 'POST', '/BatchWriteRecord', {'content-type': 'application/json', 'content-length': String(500 * 1024 * 1024), ...signed}, undefined, {chunk: 64 * 1024, upTo: 1024 * 1024});
		expect(answer.status).toBe(413);
		expect(JSON.parse(answer.body)).toMatchObject({__type: 'RequestEntityTooLarge'});
	});

	it('refuses a streamed JSON body once it passes the cap, without reading the rest', async () => {
		// The body would go on to 256 MB: the answer comes after the first 10 MB or so.
		const answer = await send(subject.emulator.url, 'POST', '/BatchWriteRecord', {'content-type': 'application/json', ...signed}, undefined, {chunk: 64 * 1024, upTo: 256 * 1024 * 1024});
		expect(answer.status).toBe(413);
		expect(answer.headers['x-amzn-errortype']).toBe('RequestEntityTooLarge');
		expect(answer.sent).toBeLessThan(64 * 1024 * 1024);
	});

	it('refuses an S3 object over the cap, by its Content-Length or while it streams, leaving no object and no temporary file', async () => {
		const declared = await send(subject.emulator.url, 'PUT', '/big/declared.bin', {'content-length': String(objectCap + 1), ...signed}, undefined, {chunk: 64 * 1024, upTo: 64 * 1024});
		expect(declared.status).toBe(400);
		expect(declared.body).toMatch(/<Code>EntityTooLarge<\/Code>.*<MaxSizeAllowed>1048576<\/MaxSizeAllowed>/);

		const streamed = await send(subject.emulator.url, 'PUT', '/big/streamed.bin', signed, undefined, {chunk: 64 * 1024, upTo: 256 * 1024 * 1024});
		expect(streamed.status).toBe(400);
		expect(streamed.body).toContain('<Code>EntityTooLarge</Code>');
		expect(streamed.sent).toBeLessThan(64 * 1024 * 1024);
		for (const key of ['declared.bin', 'streamed.bin']) expect(existsSync(path.join(subject.dir, 's3', 'big', key))).toBe(false);
		expect(temporaries()).toEqual([]);
	});

	it('takes objects up to the cap, streamed to disk: plain, chunked and from the SDK (aws-chunked)', async () => {
		const whole = await send(subject.emulator.url, 'PUT', '/big/whole.bin', {'content-length': String(objectCap), ...signed}, 'y'.repeat(objectCap));
		expect(whole.status).toBe(200);
		expect(readFileSync(path.join(subject.dir, 's3', 'big', 'whole.bin'), 'utf8')).toBe('y'.repeat(objectCap));

		const chunked = await send(subject.emulator.url, 'PUT', '/big/chunked.bin', signed, undefined, {chunk: 1000, upTo: 300_000});
		expect(chunked.status).toBe(200);
		expect(readFileSync(path.join(subject.dir, 's3', 'big', 'chunked.bin'), 'utf8')).toBe('x'.repeat(300_000));

		const text = Array.from({length: 20_000}, (_, i) => `line ${i}\n`).join('');
		await subject.s3.send(new PutObjectCommand({Bucket: 'big', Key: 'sdk.txt', Body: Readable.from([text.slice(0, 70_000), text.slice(70_000)]), ContentLength: Buffer.byteLength(text)}));
		expect(await (await subject.s3.send(new GetObjectCommand({Bucket: 'big', Key: 'sdk.txt'}))).Body!.transformToString()).toBe(text);
		expect(temporaries()).toEqual([]);
	});
});

describe('emulator: aws-chunked bodies decoded as they arrive', () => {
	const body = Buffer.from('6;chunk-signature=abc\r\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n', 'latin1');

	it('gives the payload whatever pieces the body comes in', () => {
		for (const size of [1, 2, 3, 7, body.length]) {
			const decoder = new AwsChunkedDecoder();
			const parts: Buffer[] = [];
			for (let at = 0; at < body.length; at += size) parts.push(...decoder.push(body.subarray(at, at + size)));
			decoder.end();
			expect({size, payload: Buffer.concat(parts).toString()}).toEqual({size, payload: 'hello world'});
		}
	});

	it('refuses a body that ends inside a chunk or has a malformed header', () => {
		const short = new AwsChunkedDecoder();
		short.push(body.subarray(0, 30));
		expect(() => short.end()).toThrow('shorter than its chunks');
		expect(() => new AwsChunkedDecoder().push(Buffer.from('zz\r\n'))).toThrow('malformed');
	});
});
