/**
 * The control plane: ListFeatureGroups, DescribeFeatureGroup and
 * CreateFeatureGroup. Describes are remembered per store, since the runtime
 * and offline calls need a group's shape (its event-time type, its Glue
 * table) and that never changes once the group exists.
 */
import type {FeatureDefinition as SdkFeatureDefinition, DescribeFeatureGroupResponse} from '@aws-sdk/client-sagemaker';
import {notFound, runtimeError, usageError} from '../../core/errors.js';
import {checkCreateInput} from '../../core/schema.js';
import type {CreateFeatureGroupInput, FeatureGroup} from '../../core/types.js';
import type {FeatureGroupUpdate} from '../store.js';
import type {AwsClients} from './clients.js';
import {createRequest, featureGroupFrom} from './convert.js';
import {awsCall, type CallContext, type AwsError} from './errors.js';

/** Describes in flight at once while listing: fast, and far below the control plane's rate limits. */
const describeConcurrency = 8;

export interface Where {
	region: string;
	profile?: string;
	account?: string;
}

export class Catalog {
	private readonly known = new Map<string, FeatureGroup>();

	constructor(private readonly clients: AwsClients, private readonly where: () => Promise<Where>, private readonly seen: (group: FeatureGroup) => void) {}

	private async call(action: string, target?: string): Promise<CallContext> {
		const {region, profile} = await this.where();
		return {action: `sagemaker:${action}`, ...(target ? {target} : {}), region, ...(profile ? {profile} : {})};
	}

	async describe(name: string): Promise<FeatureGroup> {
		const context = await this.call('DescribeFeatureGroup', `feature group ${name}`);
		const sagemaker = await this.clients.sagemaker();
		let first: DescribeFeatureGroupResponse | undefined;
		const definitions: SdkFeatureDefinition[] = [];
		let token: string | undefined;
		try {
			// A group with many features describes them over several pages.
			do {
				const page = await awsCall(context, async () => sagemaker.client.send(new sagemaker.sdk.DescribeFeatureGroupCommand({FeatureGroupName: name, ...(token ? {NextToken: token} : {})})));
				first ??= page;
				definitions.push(...(page.FeatureDefinitions ?? []));
				token = page.NextToken || undefined;
			} while (token);
		} catch (error) {
			if ((error as AwsError).code === 'ResourceNotFound') {
				const {region, account} = await this.where();
				throw notFound(
					`Feature group ${name} does not exist in ${region}${account ? ` (account ${account})` : ''}.`,
					'Run `fs list` to see the feature groups (check --region and --profile), or create it with `fs create`.',
				);
			}

			throw error;
		}

		const group = featureGroupFrom(first!, definitions);
		this.known.set(name, group);
		this.seen(group);
		return group;
	}

	/** The group's shape, described once per store. */
	async shape(name: string): Promise<FeatureGroup> {
		return this.known.get(name) ?? this.describe(name);
	}

	async list(): Promise<FeatureGroup[]> {
		const context = await this.call('ListFeatureGroups');
		const sagemaker = await this.clients.sagemaker();
		const names: string[] = [];
		let token: string | undefined;
		do {
			const page = await awsCall(context, async () => sagemaker.client.send(new sagemaker.sdk.ListFeatureGroupsCommand({MaxResults: 100, SortBy: 'Name', SortOrder: 'Ascending', ...(token ? {NextToken: token} : {})})));
			for (const summary of page.FeatureGroupSummaries ?? []) if (summary.FeatureGroupName) names.push(summary.FeatureGroupName);
			token = page.NextToken || undefined;
		} while (token);

		const groups: Array<FeatureGroup | undefined> = Array.from({length: names.length});
		let next = 0;
		const worker = async () => {
			while (next < names.length) {
				const index = next++;
				try {
					groups[index] = await this.describe(names[index]!);
				} catch (error) {
					// Deleted between the list and the describe: it is simply gone.
					if ((error as AwsError).code !== 'ResourceNotFound') throw error;
				}
			}
		};

		await Promise.all(Array.from({length: Math.min(describeConcurrency, names.length)}, worker));
		return groups.filter((group): group is FeatureGroup => group !== undefined);
	}

	async create(input: CreateFeatureGroupInput): Promise<FeatureGroup> {
		// Checked here first: clear messages, and nothing is sent that the service would refuse.
		checkCreateInput(input);
		if (input.OfflineStoreConfig && !input.RoleArn) {
			throw usageError('An offline store needs a role: pass --role-arn.', 'Pass the ARN of a role SageMaker may use to write to the S3 location (it needs s3:PutObject there and glue:CreateTable).');
		}

		const name = input.FeatureGroupName;
		const context = await this.call('CreateFeatureGroup', `feature group ${name}`);
		const sagemaker = await this.clients.sagemaker();
		try {
			await awsCall(context, async () => sagemaker.client.send(new sagemaker.sdk.CreateFeatureGroupCommand(createRequest(input))));
		} catch (error) {
			if ((error as AwsError).code === 'ResourceInUse') {
				throw usageError(`Feature group ${name} already exists in ${context.region}.`, `Pick another name, or use it as it is (\`fs schema ${name}\`).`, 'ResourceInUse');
			}

			throw error;
		}

		this.known.delete(name);
		return this.describe(name);
	}

	/** UpdateFeatureGroup, then the group once it shows the added features (the service applies an update in a while). */
	async update(name: string, update: FeatureGroupUpdate, timeoutMs = 15 * 60_000): Promise<FeatureGroup> {
		const context = await this.call('UpdateFeatureGroup', `feature group ${name}`);
		const sagemaker = await this.clients.sagemaker();
		this.known.delete(name);
		await awsCall(context, async () => sagemaker.client.send(new sagemaker.sdk.UpdateFeatureGroupCommand({
			FeatureGroupName: name,
			...(update.FeatureAdditions?.length ? {FeatureAdditions: update.FeatureAdditions} : {}),
			...(update.TtlDuration === undefined ? {} : {OnlineStoreConfig: {TtlDuration: update.TtlDuration ?? undefined}}),
		})));
		const wanted = (update.FeatureAdditions ?? []).map(feature => feature.FeatureName);
		const started = Date.now();
		for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
			this.known.delete(name);
			const group = await this.describe(name);
			if (wanted.every(feature => group.FeatureDefinitions.some(defined => defined.FeatureName === feature))) return group;
			if (Date.now() - started > timeoutMs) throw runtimeError(`${name} does not show the added features after ${Math.round(timeoutMs / 60_000)} minutes.`, 'Check it later with `fs schema`.');
			await new Promise(resolve => setTimeout(resolve, delay));
		}
	}

	async delete(name: string): Promise<void> {
		const context = await this.call('DeleteFeatureGroup', `feature group ${name}`);
		const sagemaker = await this.clients.sagemaker();
		this.known.delete(name);
		await awsCall(context, async () => sagemaker.client.send(new sagemaker.sdk.DeleteFeatureGroupCommand({FeatureGroupName: name})));
	}
}
