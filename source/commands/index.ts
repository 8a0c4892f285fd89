import type {Command} from '../cli/command.js';
import {addFeaturesCommand} from './add-features.js';
import {bulkPutCommand} from './bulk-put.js';
import {clearCommand} from './clear.js';
import {createCommand} from './create.js';
import {deleteGroupCommand} from './delete-group.js';
import {demoCommand} from './demo.js';
import {emulatorCommand} from './emulator.js';
import {exportCommand} from './export.js';
import {getCommand} from './get.js';
import {listCommand} from './list.js';
import {migrateCommand} from './migrate.js';
import {schemaCommand} from './schema.js';

export const commands: Command[] = [
	migrateCommand,
	listCommand,
	schemaCommand,
	createCommand,
	getCommand,
	exportCommand,
	bulkPutCommand,
	clearCommand,
	deleteGroupCommand,
	addFeaturesCommand,
	demoCommand,
	emulatorCommand,
];
