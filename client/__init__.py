"""Python SDK and `ugc` CLI for the UGC live-streaming GraphQL API.

Import from the submodules (`client.sdk`, `client.auth`, `client.outputs`, `client.errors`): this
package re-exports nothing, so `ugc --help` does not pay for importing gql and boto3.
"""
