import {readFile} from 'node:fs/promises';
import {defineCommand} from '../cli/command.js';
import {usageError} from '../core/errors.js';
import {checkFeatureGroupName} from '../core/names.js';
import {parseSchema} from '../core/schema.js';
import type {CreateFeatureGroupInput, FeatureGroup} from '../core/types.js';
import {storesOf} from '../core/types.js';
import {waitUntilCreated} from '../migration/new-group.js';
import {describeStore} from '../stores/open.js';

export const createCommand = defineCommand({
	name: 'create',
	summary: 'create a feature group from a schema file',
	args: [1, 1],
	makesStore: true,
	flags: {
		schemaFile: {type: 'string'},
		recordIdentifierName: {type: 'string'},
		eventTimeFeatureName: {type: 'string'},
		onlineStore: {type: 'boolean', default: true},
		offlineStore: {type: 'boolean', default: true},
		storageType: {type: 'string', choices: ['Standard', 'InMemory']},
		s3Uri: {type: 'string'},
		roleArn: {type: 'string'},
		tableFormat: {type: 'string', choices: ['Glue', 'Iceberg']},
		ttlDuration: {type: 'integer', min: 1, max: 36_500},
		description: {type: 'string'},
		wait: {type: 'boolean', default: true},
	},
	help: `
Usage
  fs create FEATURE_GROUP --schema-file FILE [options]

Options
  --schema-file FILE              JSON array as \`fs schema -o json\` prints (required)
  --record-identifier-name NAME   default: id
  --event-time-feature-name NAME  default: event_time
  --online-store / --no-online-store    default: on
  --offline-store / --no-offline-store  default: on
  --storage-type Standard|InMemory      online storage (collections need InMemory)
  --s3-uri URI                    offline store location (required on sagemaker)
  --role-arn ARN                  role for the offline store (required on sagemaker)
  --table-format Glue|Iceberg     default: Glue
  --ttl-duration DAYS             online records expire DAYS after their event time
  --description TEXT
  --wait / --no-wait              wait until the group is Created (default: wait)

Examples
  fs schema old-customer-profile -o json > schema.json
  fs create customer-profile-v3 --schema-file schema.json \\
    --record-identifier-name customer_id --event-time-feature-name event_time`,
	async run(context) {
		const {flags} = context;
		const name = checkFeatureGroupName(context.input[0]!);
		const file = flags.schemaFile;
		if (!file) throw usageError('`fs create` needs --schema-file.', `Write one with \`fs schema OTHER_GROUP -o json > schema.json\`, then pass --schema-file schema.json.`);
		let text: string;
		try {
			text = await readFile(file, 'utf8');
		} catch (error) {
			throw usageError(`Cannot read the schema file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, 'Check the path.');
		}

		const definitions = parseSchema(text, file);
		const document = safeJson(text);
		const {ttlDuration: ttlDays, storageType, tableFormat} = flags;
		const store = await context.store();
		const input: CreateFeatureGroupInput = {
			FeatureGroupName: name,
			RecordIdentifierFeatureName: flags.recordIdentifierName ?? document?.RecordIdentifierFeatureName ?? 'id',
			EventTimeFeatureName: flags.eventTimeFeatureName ?? document?.EventTimeFeatureName ?? 'event_time',
			FeatureDefinitions: definitions,
			...(flags.description ? {Description: flags.description} : {}),
		};
		if (flags.onlineStore !== false) {
			input.OnlineStoreConfig = {
				EnableOnlineStore: true,
				...(storageType ? {StorageType: storageType} : {}),
				...(ttlDays ? {TtlDuration: {Unit: 'Days', Value: ttlDays}} : {}),
			};
		} else if (ttlDays || storageType) {
			throw usageError('--ttl-duration and --storage-type need an online store.', 'Drop them, or drop --no-online-store.');
		}

		if (flags.offlineStore !== false) {
			const s3Uri = flags.s3Uri ?? store.info.createDefaults?.s3Uri;
			const role = flags.roleArn ?? store.info.createDefaults?.roleArn;
			// Every missing flag at once: one error, one fix.
			const missing = [s3Uri ? '' : '--s3-uri', role ? '' : '--role-arn'].filter(Boolean);
			if (missing.length > 0) {
				throw usageError(
					`An offline store needs ${missing.join(' and ')} on sagemaker.`,
					`Pass ${[s3Uri ? '' : '--s3-uri s3://bucket/prefix', role ? '' : '--role-arn (a role SageMaker may use to write to that S3 location)'].filter(Boolean).join(' and ')}, or --no-offline-store.`,
				);
			}

			input.OfflineStoreConfig = {S3StorageConfig: {S3Uri: s3Uri!}, ...(tableFormat ? {TableFormat: tableFormat} : {})};
			input.RoleArn = role!;
		}

		if (input.FeatureDefinitions.every(feature => feature.FeatureName !== input.RecordIdentifierFeatureName) && !flags.recordIdentifierName) {
			throw usageError(
				`The schema has no feature named ${input.RecordIdentifierFeatureName} (the default record identifier).`,
				`Name the record identifier: --record-identifier-name ${guessIdentifier(definitions.map(feature => feature.FeatureName))}.`,
			);
		}

		let group = await store.createFeatureGroup(input);
		if (flags.wait !== false) group = await waitUntilCreated(store, name, text => context.note(context.errStyle.dim(text)));
		if (flags.json === true) {
			context.json(group);
			return;
		}

		const {style} = context;
		const mark = group.FeatureGroupStatus === 'Created' ? style.green('✔') : style.yellow('…');
		context.print(`${mark} ${group.FeatureGroupName} ${group.FeatureGroupStatus} (${storesOf(group)}) in ${describeStore(store)}`);
		if (group.OfflineStoreConfig) context.print(`  offline: ${group.OfflineStoreConfig.S3StorageConfig.ResolvedOutputS3Uri}`);
	},
});

function safeJson(text: string): Partial<FeatureGroup> | undefined {
	try {
		const parsed = JSON.parse(text) as unknown;
		return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Partial<FeatureGroup> : undefined;
	} catch {
		return undefined;
	}
}

function guessIdentifier(names: string[]): string {
	return names.find(name => /(^|_)id$/i.test(name)) ?? names[0] ?? 'id';
}

