#!/usr/bin/env node
import process from 'node:process';
import {main} from './cli/main.js';

const code = await main(process.argv.slice(2), {
	stdout: process.stdout,
	stderr: process.stderr,
	stdin: process.stdin,
	env: process.env,
	cwd: process.cwd(),
});
process.exitCode = code;
