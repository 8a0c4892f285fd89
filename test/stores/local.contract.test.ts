import path from 'node:path';
import {LocalStore} from '../../source/stores/local/index.js';
import {tempDir} from '../helpers/temp.js';
import {storeContract} from './contract.js';

storeContract('local', async () => {
	const temp = tempDir();
	const store = new LocalStore(path.join(temp.dir, 'store'));
	return {
		store,
		cleanup: async () => {
			await store.close();
			temp.remove();
		},
	};
});
