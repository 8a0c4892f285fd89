/**
 * Run `fs` in this process and report its peak RSS on the last line of
 * stderr as JSON: the benchmark's way to measure a command's memory.
 */
import process from 'node:process';
import {main} from '../source/cli/main.js';

const started = performance.now();
const code = await main(process.argv.slice(2), {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd()});
const usage = process.resourceUsage();
// CPU of every thread of the process (workers included), user and system.
const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
process.stderr.write(`\n${JSON.stringify({maxRssMb: usage.maxRSS / 1024, seconds: (performance.now() - started) / 1000, cpuSeconds, code})}\n`);
process.exitCode = code;
