"""The Lambdas other than the GraphQL resolvers: Cognito triggers, the IVS EventBridge handler and
scheduled jobs. Each is as thin as a resolver: parse the event, call core, return what AWS expects.
Step 1 of the roadmap has none; `infra.definitions.FUNCTIONS` lists every deployed function."""
