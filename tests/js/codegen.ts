// graphql-codegen over the suite's operation documents, as a frontend runs it (`npx graphql-codegen`):
// the schema and the scalar map are the project's own client-tooling files (`make schema`, codegen.yml).
import { readFileSync } from 'node:fs';

import type { CodegenConfig } from '@graphql-codegen/cli';
import { parse } from 'yaml';

const ROOT = new URL('../../', import.meta.url);
const project = parse(readFileSync(new URL('codegen.yml', ROOT), 'utf8'));
const scalars = Object.values(project.generates)[0].config.scalars;

const config: CodegenConfig = {
  schema: new URL(project.schema, ROOT).pathname,
  documents: ['operations/*.graphql'],
  generates: {
    'generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        // AppSync's scalars as they travel in JSON; an unmapped scalar fails generation instead of becoming `any`.
        strictScalars: true,
        scalars,
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
