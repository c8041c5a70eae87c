// graphql-codegen over the suite's operation documents, as a frontend runs it (`npx graphql-codegen`).
// Until the tools SDL lands (issue 10), the schema is the running local AppSync's introspection.
import { readFileSync } from 'node:fs';

import type { CodegenConfig } from '@graphql-codegen/cli';

const outputsPath = process.env.UGC_OUTPUTS;
if (!outputsPath) {
  throw new Error('UGC_OUTPUTS is not set: point it at the amplify_outputs.json of a running `ugc dev`');
}
const outputs = JSON.parse(readFileSync(outputsPath, 'utf8'));

const config: CodegenConfig = {
  schema: [{ [outputs.data.url]: { headers: { 'x-api-key': outputs.data.api_key } } }],
  documents: ['operations/*.graphql'],
  generates: {
    'generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        // AppSync's scalars as they travel in JSON; an unmapped scalar fails generation instead of becoming `any`.
        strictScalars: true,
        scalars: {
          AWSDate: 'string',
          AWSDateTime: 'string',
          AWSTime: 'string',
          AWSTimestamp: 'number',
          AWSEmail: 'string',
          AWSJSON: 'string',
          AWSURL: 'string',
          AWSPhone: 'string',
          AWSIPAddress: 'string',
        },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
