import {defineCommand} from '../cli/command.js';
import {outputFlags} from '../cli/flags.js';
import {checkFeatureGroupName} from '../core/names.js';
import {schemaJson} from '../core/schema.js';
import {renderTable} from '../ui/table.js';

export const schemaCommand = defineCommand({
	name: 'schema',
	summary: 'the features of a feature group (JSON: the format create reads)',
	args: [1, 1],
	flags: outputFlags,
	help: `
Usage
  fs schema FEATURE_GROUP [-o table|json]

Shows the feature definitions. -o json prints an array of
{"FeatureName", "FeatureType"[, "CollectionType"]}: the format
\`fs create --schema-file\` reads.

Examples
  fs schema customer-history
  fs schema customer-history -o json > schema.json
  diff <(fs schema old-fg -o json) <(fs schema new-fg -o json)`,
	async run(context) {
		const name = checkFeatureGroupName(context.input[0]!);
		const group = await (await context.store()).describeFeatureGroup(name);
		if (context.flags.json || context.flags.output === 'json') {
			context.print(schemaJson(group.FeatureDefinitions));
			return;
		}

		const role = (feature: string) => (feature === group.RecordIdentifierFeatureName ? 'record identifier' : feature === group.EventTimeFeatureName ? 'event time' : '');
		context.print(renderTable(group.FeatureDefinitions, [
			{header: 'FEATURE', value: row => row.FeatureName},
			{header: 'TYPE', value: row => row.FeatureType},
			{header: 'COLLECTION', value: row => (row.CollectionType ? `${row.CollectionType}${row.CollectionConfig ? `(${row.CollectionConfig.VectorConfig.Dimension})` : ''}` : '')},
			{header: 'ROLE', value: row => role(row.FeatureName), paint: text => context.style.cyan(text)},
		]));
	},
});
