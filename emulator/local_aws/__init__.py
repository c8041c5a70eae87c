"""The local AWS: moto in server mode plus an extension layer for what moto lacks.

`server.LocalAwsServer` serves it, `bootstrap.bootstrap` creates the project's resources in it from
the same definitions CDK uses. Importing this package stays cheap (no moto import): Lambda workers
and clients read the constants below without paying for moto.
"""

from __future__ import annotations

LOCAL_REGION = "us-east-1"
# moto's default account: every access key moto does not know maps to it, so ARNs are predictable.
LOCAL_ACCOUNT_ID = "123456789012"
# Fixed, obviously-local credentials: the local AppSync verifies IAM SigV4 against them, and the
# "AKIA" prefix keeps botocore and moto treating them as long-term keys.
LOCAL_CREDENTIALS: tuple[str, str] = ("AKIALOCALUGCDEV00001", "local-ugc-secret-key-not-for-aws")
