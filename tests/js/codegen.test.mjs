// graphql-codegen over operations/*.graphql, then `tsc --noEmit --strict` over typed.ts, which uses the types.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

const here = fileURLToPath(new URL('.', import.meta.url));
const run = promisify(execFile);

async function npx(bin, args) {
  try {
    return await run(`node_modules/.bin/${bin}`, args, { cwd: here, env: process.env });
  } catch (error) {
    assert.fail(`${bin} ${args.join(' ')} failed (exit ${error.code}):\n${error.stdout}\n${error.stderr}`);
  }
}

test('graphql-codegen types the operations, and tsc --strict accepts the code that uses them', async () => {
  // GIVEN no types from an earlier run
  await rm(new URL('generated/', import.meta.url), { recursive: true, force: true });

  // WHEN codegen reads the API's schema and the operation documents
  await npx('graphql-codegen', ['--config', 'codegen.ts']);

  // THEN each operation has a typed document, its AppSync scalars typed as they arrive in JSON
  const generated = await readFile(new URL('generated/graphql.ts', import.meta.url), 'utf8');
  for (const name of ['ChannelPage', 'LiveChannels', 'Me', 'Follow', 'OnStreamAction', 'OnStreamMetrics']) {
    assert.match(generated, new RegExp(`export const ${name}Document = `), name);
  }
  assert.match(generated, /createdAt: string/);

  // AND the frontend code over them type-checks, its deliberate mistakes all caught
  await npx('tsc', ['--noEmit', '--strict', '-p', 'tsconfig.json']);
});
