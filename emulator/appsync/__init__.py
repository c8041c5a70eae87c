"""A local AWS AppSync: executes the API's SDL the way AppSync does (auth directives, Direct Lambda
events, batching, error shapes), reading only the SDL and the schema's resolver metadata."""
