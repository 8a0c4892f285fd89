import {defineCommand} from '../cli/command.js';
import {runtimeError, usageError} from '../core/errors.js';
import {checkFeatureGroupName} from '../core/names.js';
import {jsonCell} from '../io/write-records.js';
import {renderTable} from '../ui/table.js';

export const getCommand = defineCommand({
	name: 'get',
	summary: 'the current online record of an identifier',
	args: [2, 2],
	flags: {output: {type: 'string', short: 'o', choices: ['json', 'table'], default: 'json'}, featureNames: {type: 'list'}},
	help: `
Usage
  fs get FEATURE_GROUP RECORD_ID [--feature-names a,b] [-o json|table]

Reads the record from the online store (GetRecord), as an operator checks a
migration by hand. Integral values print exactly. Exits 1 when the record is
not in the online store (never written, deleted or expired).

Examples
  fs get new-customer-profile cust_000042
  fs get new-customer-profile cust_000042 --feature-names age,balance -o table`,
	async run(context) {
		const name = checkFeatureGroupName(context.input[0]!);
		const id = context.input[1]!;
		if (id === '') throw usageError('The record identifier is empty.', 'Pass the identifier of the record.');
		const {featureNames} = context.flags;
		const store = await context.store();
		const group = await store.describeFeatureGroup(name);
		for (const feature of featureNames ?? []) {
			if (!group.FeatureDefinitions.some(definition => definition.FeatureName === feature)) {
				throw usageError(`${name} has no feature ${JSON.stringify(feature)}.`, `Pick from: ${group.FeatureDefinitions.map(definition => definition.FeatureName).join(', ')}.`);
			}
		}

		const record = await store.getRecord(name, id, featureNames);
		if (!record) {
			throw runtimeError(`No record ${JSON.stringify(id)} in the online store of ${name}.`, 'It was never written, was deleted, or expired (TTL). Its history is in the offline store: fs export.', 'RecordNotFound');
		}

		const features = group.FeatureDefinitions.filter(feature => feature.FeatureName in record);
		if (context.flags.json || context.flags.output === 'json') {
			const fields = features.map(feature => `  ${JSON.stringify(feature.FeatureName)}: ${jsonCell(feature, feature.FeatureName)(record[feature.FeatureName]!)}`);
			context.print(`{\n${fields.join(',\n')}\n}`);
			return;
		}

		context.print(renderTable(features, [
			{header: 'FEATURE', value: feature => feature.FeatureName},
			{header: 'TYPE', value: feature => feature.FeatureType},
			{header: 'VALUE', value: feature => {
				const value = record[feature.FeatureName]!;
				return Array.isArray(value) ? JSON.stringify(value) : value;
			}},
		]));
	},
});
