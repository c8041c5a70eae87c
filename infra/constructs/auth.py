"""Sign-in: the Cognito user pool and the app client, built from `infra.definitions`."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.definitions import APP_CLIENT, USER_POOL, AppClientDefinition, UserPoolDefinition

# Cognito attribute name -> CDK StandardAttributes argument, where they differ.
_STANDARD_ATTRIBUTE_ARGS = {
    "name": "fullname",
    "picture": "profile_picture",
    "profile": "profile_page",
    "updated_at": "last_update_time",
    "zoneinfo": "timezone",
}
# Attribute name -> CDK SignInAliases / AutoVerifiedAttrs argument.
_SIGN_IN_ALIAS_ARGS = {
    "username": "username",
    "preferred_username": "preferred_username",
    "email": "email",
    "phone_number": "phone",
}
_AUTO_VERIFY_ARGS = {"email": "email", "phone_number": "phone"}
# ALLOW_REFRESH_TOKEN_AUTH has no argument: CDK always enables it, as every client needs it.
_AUTH_FLOW_ARGS = {
    "ALLOW_USER_PASSWORD_AUTH": "user_password",
    "ALLOW_USER_SRP_AUTH": "user_srp",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH": "admin_user_password",
    "ALLOW_CUSTOM_AUTH": "custom",
    "ALLOW_USER_AUTH": "user",
}
_ALWAYS_ON_FLOWS = frozenset({"ALLOW_REFRESH_TOKEN_AUTH"})


def _flags(names: tuple[str, ...], args: dict[str, str], what: str) -> dict[str, bool]:
    unknown = [n for n in names if n not in args]
    if unknown:
        raise ValueError(f"unsupported {what}: {', '.join(unknown)}")
    return {args[n]: True for n in names}


class Auth(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        retain: bool,
        pool: UserPoolDefinition = USER_POOL,
        client: AppClientDefinition = APP_CLIENT,
    ) -> None:
        super().__init__(scope, construct_id)
        attributes = {
            _STANDARD_ATTRIBUTE_ARGS.get(name, name): cognito.StandardAttribute(required=True, mutable=True)
            for name in pool.required_attributes
        }
        policy = pool.password_policy
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=pool.self_sign_up,
            sign_in_case_sensitive=pool.sign_in_case_sensitive,
            sign_in_aliases=cognito.SignInAliases(**_flags(pool.sign_in_aliases, _SIGN_IN_ALIAS_ARGS, "sign-in alias")),
            standard_attributes=cognito.StandardAttributes(**attributes),
            auto_verify=cognito.AutoVerifiedAttrs(
                **_flags(pool.auto_verified_attributes, _AUTO_VERIFY_ARGS, "auto-verified attribute")
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=policy.min_length,
                require_lowercase=policy.require_lowercase,
                require_uppercase=policy.require_uppercase,
                require_digits=policy.require_digits,
                require_symbols=policy.require_symbols,
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            # A retained stage's users survive the stack, and the pool refuses deletion outside CloudFormation.
            deletion_protection=retain,
            removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
        )
        flows = tuple(f for f in client.auth_flows if f not in _ALWAYS_ON_FLOWS)
        self.client = self.user_pool.add_client(
            "AppClient",
            auth_flows=cognito.AuthFlow(**_flags(flows, _AUTH_FLOW_ARGS, "auth flow")),
            generate_secret=client.generate_secret,
            # No hosted UI or OAuth redirects: clients sign in through the Cognito API (SRP or password).
            disable_o_auth=True,
            id_token_validity=Duration.minutes(client.id_token_minutes),
            access_token_validity=Duration.minutes(client.access_token_minutes),
            refresh_token_validity=Duration.days(client.refresh_token_days),
            # Sign-in and password-reset errors do not reveal which usernames exist.
            prevent_user_existence_errors=True,
            # What the ID token carries; provisioning reads the e-mail from it.
            read_attributes=cognito.ClientAttributes().with_standard_attributes(
                **dict.fromkeys(client.read_attributes, True)
            ),
        )
