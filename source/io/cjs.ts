/**
 * CommonJS packages (DuckDB's API, the AWS SDK clients) loaded with
 * `require`, not `import`: an ESM import of a CommonJS package makes Node
 * lex every file it re-exports for export names. That doubled their load
 * time — 150–200 ms of CPU for DuckDB's API and for the SageMaker client —
 * in every process and worker thread that loads them.
 */
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);

/** `name` loaded now (type it with `typeof import(name)`). */
export const requirePackage = <T>(name: string): T => require(name) as T;

/** `name` loaded on the next tick: a drop-in for a lazy `import(name)`. */
export const loadPackage = async <T>(name: string): Promise<T> => requirePackage<T>(name);
