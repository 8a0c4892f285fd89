/**
 * The demo store's feature groups and their data: deterministic (a seeded
 * generator), realistic enough to try every command on, and with the
 * situations a migration meets: history, deletes, values that will not cast,
 * an online-only group and a group still Creating.
 */
import type {CreateFeatureGroupInput, FeatureDefinition, FsRecord} from '../core/types.js';

export interface DemoGroup {
	input: CreateFeatureGroupInput;
	/** Records to put, in order; generated lazily to keep memory small. */
	records?: () => Generator<FsRecord>;
	/** Identifiers to delete after the puts (SoftDelete, now). */
	deletes?: string[];
	/** Never leaves Creating. */
	stuckCreating?: boolean;
	about: string;
}

const s = (name: string): FeatureDefinition => ({FeatureName: name, FeatureType: 'String'});
const i = (name: string): FeatureDefinition => ({FeatureName: name, FeatureType: 'Integral'});
const f = (name: string): FeatureDefinition => ({FeatureName: name, FeatureType: 'Fractional'});

const online = {EnableOnlineStore: true};
const offline = {S3StorageConfig: {S3Uri: 's3://fs-demo-offline-store/feature-store'}};

function group(name: string, features: FeatureDefinition[], stores: 'both' | 'online' | 'offline', description: string): CreateFeatureGroupInput {
	return {
		FeatureGroupName: name,
		RecordIdentifierFeatureName: 'customer_id',
		EventTimeFeatureName: 'event_time',
		FeatureDefinitions: features,
		Description: description,
		...(stores === 'offline' ? {} : {OnlineStoreConfig: online}),
		...(stores === 'online' ? {} : {OfflineStoreConfig: offline}),
	};
}

/** mulberry32: small, fast, good enough for demo data. */
function random(seed: number) {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6D2B79F5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

const segments = ['retail', 'smb', 'enterprise', 'student', 'public'];
const channels = ['web', 'app', 'store', 'phone', 'partner'];
const countries = ['DE', 'FR', 'US', 'GB', 'IN', 'BR', 'JP', 'ES'];
const day = 86_400_000;

export const customerId = (n: number) => `cust_${String(n).padStart(6, '0')}`;

/** An ISO event time `daysAgo` days before `now`, at a business hour. */
function eventTime(now: number, daysAgo: number, rand: () => number): string {
	const base = new Date(now - daysAgo * day);
	base.setUTCHours(8 + Math.floor(rand() * 4), Math.floor(rand() * 60), Math.floor(rand() * 60), Math.floor(rand() * 1000));
	return base.toISOString();
}

/** The demo's default size: 10,000 customers. */
export const demoCustomers = 10_000;

/**
 * How many of everything a demo of `customers` customers holds (at least
 * 100): the groups' records, the deletes and the values that will not cast,
 * as the groups below generate them and tests count on.
 */
export function demoSize(customers = demoCustomers) {
	const histories = Math.round(customers * 1.2);
	return {
		customers,
		profileVersions: 3,
		/** old-customer-profile's customers deleted (SoftDelete) after the puts. */
		profileDeletes: Math.max(1, Math.round(customers / 250)),
		/** Latest profile versions whose balance is "n/a": one in each quarter of the customers. */
		brokenBalances: 4,
		histories,
		historyVersions: 5,
		historyDeletes: Math.max(1, Math.round(histories / 200)),
		allCustomers: histories,
		liveFeatures: Math.round(customers / 2),
	};
}

const counted = (n: number) => n.toLocaleString('en-US');

export function demoGroups(now = Date.now(), customers = demoCustomers): DemoGroup[] {
	const size = demoSize(customers);
	const quarter = Math.ceil(customers / 4);
	const profileSource = [s('customer_id'), s('event_time'), i('age'), s('balance'), i('legacy_flag'), s('segment'), i('external_id'), s('signup_date')];
	const profileTarget = [s('customer_id'), s('event_time'), i('age'), f('balance'), s('segment'), i('external_id'), s('signup_date'), s('new_field')];
	const history = [s('customer_id'), s('event_time'), f('lifetime_value'), i('orders'), s('last_channel'), f('churn_score')];
	const customerFeatures = [s('customer_id'), s('event_time'), i('age'), s('country'), s('segment'), f('credit_limit')];
	const live = [s('customer_id'), s('event_time'), i('clicks_1h'), f('session_score'), s('last_page')];
	return [
		{
			input: group('old-customer-profile', profileSource, 'both', 'Customer profiles, schema v1 (balance as String)'),
			about: `${counted(customers)} customers × 3 versions, balance as String (a few "n/a"), ${size.profileDeletes} deleted`,
			records: function * () {
				const rand = random(1);
				for (let version = 0; version < 3; version++) {
					for (let n = 0; n < customers; n++) {
						const broken = version === 2 && n % quarter === 7;
						yield {
							customer_id: customerId(n),
							event_time: eventTime(now, 120 - version * 40 - (n % 30), rand),
							age: String(18 + Math.floor(rand() * 70) + version),
							balance: broken ? 'n/a' : (rand() * 20_000 - 2000).toFixed(2),
							legacy_flag: String(n % 3 === 0 ? 1 : 0),
							segment: segments[n % segments.length]!,
							external_id: (9_223_372_036_854_000_000n + BigInt(n)).toString(),
							signup_date: new Date(now - (400 + (n % 2000)) * day).toISOString().slice(0, 10),
						};
					}
				}
			},
			deletes: Array.from({length: size.profileDeletes}, (_, k) => customerId(k * 250 + 3)),
		},
		{
			input: group('new-customer-profile', profileTarget, 'both', 'Customer profiles, schema v2 (balance as Fractional, new_field)'),
			about: 'empty target: balance String → Fractional, legacy_flag dropped, new_field added',
		},
		{
			input: group('customer-history', history, 'both', 'Customer value history'),
			about: `${counted(size.histories)} customers × 5 versions over 120 days, ${size.historyDeletes} deleted`,
			records: function * () {
				const rand = random(2);
				for (let version = 0; version < 5; version++) {
					for (let n = 0; n < size.histories; n++) {
						yield {
							customer_id: customerId(n),
							event_time: eventTime(now, 125 - version * 25 - (n % 20), rand),
							lifetime_value: (rand() * 5000 * (version + 1)).toFixed(3),
							orders: String(Math.floor(rand() * 20) + version * 3),
							last_channel: channels[Math.floor(rand() * channels.length)]!,
							churn_score: rand().toFixed(4),
						};
					}
				}
			},
			deletes: Array.from({length: size.historyDeletes}, (_, k) => customerId(k * 200 + 11)),
		},
		{
			input: group('customer-history-v2', [...history, s('loyalty_tier')], 'both', 'Customer value history, v2 (adds loyalty_tier)'),
			about: 'empty target for customer-history',
		},
		{
			input: group('all-customers', customerFeatures, 'offline', 'Every customer (offline store only)'),
			about: `${counted(size.allCustomers)} customers, offline only`,
			records: function * () {
				const rand = random(3);
				for (let n = 0; n < size.allCustomers; n++) {
					yield {
						customer_id: customerId(n),
						event_time: eventTime(now, 1 + (n % 100), rand),
						age: String(18 + Math.floor(rand() * 70)),
						country: countries[n % countries.length]!,
						segment: segments[n % segments.length]!,
						credit_limit: (500 + Math.floor(rand() * 200) * 50).toFixed(1),
					};
				}
			},
		},
		{
			input: group('selected-customers', customerFeatures, 'both', 'A chosen subset of customers'),
			about: 'empty target for partial copies (--filter-query / --ids-file)',
		},
		{
			input: group('customer-archive', history, 'offline', 'Archived customer history (offline store only)'),
			about: 'empty archive for old customer-history rows',
		},
		{
			input: group('live-features', live, 'online', 'Session features, online store only'),
			about: `${counted(size.liveFeatures)} records, online only (read through ListRecords)`,
			records: function * () {
				const rand = random(4);
				for (let n = 0; n < size.liveFeatures; n++) {
					yield {
						customer_id: customerId(n),
						event_time: eventTime(now, n % 3, rand),
						clicks_1h: String(Math.floor(rand() * 120)),
						session_score: rand().toFixed(5),
						last_page: ['/home', '/cart', '/checkout', '/search?q=a,b', 'say "hi"'][n % 5]!,
					};
				}
			},
		},
		{
			input: group('events-v3', [s('customer_id'), s('event_time'), s('event_type'), f('value')], 'both', 'Events, v3 (still being created)'),
			about: 'stays Creating: not a valid source or target yet',
			stuckCreating: true,
		},
	];
}
