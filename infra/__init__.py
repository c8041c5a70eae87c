"""CDK app (`infra.app`) and the plain-data definitions (`infra.definitions`) the local stack shares.

Importing this package does not import aws_cdk: only `infra.app`, `infra.stack` and `infra.constructs` do.
"""
