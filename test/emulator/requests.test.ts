/**
 * Requests the emulator refuses before serving them: from web pages (an
 * Origin, a Host that is not the emulator's: DNS rebinding) and unsigned.
 */
import {request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders} from 'node:http';
import {GetObjectCommand, PutObjectCommand} from '@aws-sdk/client-s3';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
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
