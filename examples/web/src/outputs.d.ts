// The parts of amplify_outputs.json this app reads (Amplify Gen 2's format; `custom.ugc` is the stack's own).
declare module 'amplify-outputs' {
  const outputs: {
    version: string;
    auth: { aws_region: string; user_pool_id: string; user_pool_client_id: string };
    data: { url: string; api_key?: string; aws_region: string; default_authorization_type: string };
    custom?: { ugc?: { aws_endpoint_url?: string } };
  };
  export default outputs;
}
