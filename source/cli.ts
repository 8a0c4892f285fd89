#!/usr/bin/env node
import module from 'node:module';
import process from 'node:process';

// Node 22.1+ keeps compiled modules on disk (os.tmpdir()/node-compile-cache):
// every later start, and each migration's worker threads, load faster.
(module as {enableCompileCache?: () => unknown}).enableCompileCache?.();

// React's development build checks every render; the guided view (loaded
// lazily, after this line) must not slow the transfer down.
process.env['NODE_ENV'] ??= 'production';
const {main} = await import('./cli/main.js');

const code = await main(process.argv.slice(2), {
	stdout: process.stdout,
	stderr: process.stderr,
	stdin: process.stdin,
	env: process.env,
	cwd: process.cwd(),
});
process.exitCode = code;
