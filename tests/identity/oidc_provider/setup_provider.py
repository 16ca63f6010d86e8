"""Create the provider's users and client applications, read as JSON from the environment
(OIDC_PROVIDER_SETUP): {"users": [{"username", "email", "name", "password"}],
"clients": [{"client_id", "client_secret", "redirect_uri"}]}."""

import json
import os

import django


def main() -> None:
    django.setup()
    from django.contrib.auth.models import User
    from oauth2_provider.models import Application

    setup = json.loads(os.environ["OIDC_PROVIDER_SETUP"])
    for user in setup["users"]:
        User.objects.create_user(
            user["username"],
            email=user["email"],
            password=user["password"],
            first_name=user["name"],
        )
    for client in setup["clients"]:
        Application.objects.create(
            name=client["client_id"],
            client_id=client["client_id"],
            client_secret=client["client_secret"],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=client["redirect_uri"],
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )


if __name__ == "__main__":
    main()
