/**
 * ListRecords paging. The store lists identifiers in order from the start;
 * restarting at every page would make a full listing quadratic, so the
 * emulator keeps the open listing (a suspended iterator) behind each
 * NextToken. The token also carries the last identifier returned, so a token
 * whose listing was evicted (or the emulator restarted) still continues at the
 * right place, just more slowly.
 */
import {randomBytes} from 'node:crypto';
import type {LocalStore} from '../stores/local/index.js';
import {ApiError, decodeToken, encodeToken} from './http.js';

interface Token {
	/** Listing id. */
	c: string;
	/** Group name, soft-deleted flag, last identifier returned. */
	g: string;
	s: boolean;
	a: string;
}

interface Listing {
	iterator: AsyncIterator<string[]>;
	buffer: string[];
	done: boolean;
}

/** Open listings kept; the oldest go first. */
const maxListings = 256;
const storePage = 1000;

export class RecordListings {
	private readonly listings = new Map<string, Listing>();

	constructor(private readonly store: LocalStore) {}

	async page(name: string, includeSoftDeleted: boolean, max: number, nextToken: string | undefined): Promise<{RecordIdentifiers: string[]; NextToken?: string}> {
		const token = decodeToken<Token>(nextToken);
		if (token && (token.g !== name || token.s !== includeSoftDeleted)) {
			throw new ApiError(400, 'ValidationError', 'The NextToken belongs to another ListRecords request.');
		}

		let listing = token && this.listings.get(token.c);
		if (token) this.listings.delete(token.c);
		if (!listing) listing = await this.open(name, includeSoftDeleted, token?.a);
		const ids: string[] = [];
		while (ids.length < max && await this.fill(listing)) ids.push(...listing.buffer.splice(0, max - ids.length));
		// Look one identifier ahead: the last page carries no NextToken.
		if (ids.length === 0 || !await this.fill(listing)) return {RecordIdentifiers: ids};
		const id = randomBytes(9).toString('base64url');
		this.listings.set(id, listing);
		if (this.listings.size > maxListings) this.listings.delete(this.listings.keys().next().value!);
		return {RecordIdentifiers: ids, NextToken: encodeToken({c: id, g: name, s: includeSoftDeleted, a: ids.at(-1)!} satisfies Token)};
	}

	/** Whether the listing has an identifier buffered, reading the next store page if needed. */
	private async fill(listing: Listing): Promise<boolean> {
		while (listing.buffer.length === 0 && !listing.done) {
			const next = await listing.iterator.next();
			if (next.done) listing.done = true;
			else listing.buffer = next.value;
		}

		return listing.buffer.length > 0;
	}

	private async open(name: string, includeSoftDeleted: boolean, after: string | undefined): Promise<Listing> {
		const iterator = this.store.listRecordIdentifiers(name, {includeSoftDeleted, pageSize: storePage})[Symbol.asyncIterator]();
		const listing: Listing = {iterator, buffer: [], done: false};
		if (after === undefined) return listing;
		// The store orders identifiers as SQLite does: by their UTF-8 bytes.
		const last = Buffer.from(after);
		while (await this.fill(listing)) {
			const keep = listing.buffer.findIndex(id => Buffer.compare(Buffer.from(id), last) > 0);
			if (keep >= 0) {
				listing.buffer = listing.buffer.slice(keep);
				break;
			}

			listing.buffer = [];
		}

		return listing;
	}
}
