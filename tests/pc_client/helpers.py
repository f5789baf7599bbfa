"""Shared by the Partner Center client tests."""

import os

import pytest


def env(name):
    """A required setting: skip without it, except under CI=true, where no test may skip."""
    value = os.environ.get(name, "").strip()
    if not value:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is not set, and under CI=true no test may skip")
        pytest.skip(f"{name} is not set")
    return value


def make_client(token):
    """A Partner Center client for a bearer token, pointed at twotier. It fails fast and lets
    every status reach the operation, so a test sees a 5xx as such instead of a
    ClientRequestError after three slow retries."""
    from msrest.authentication import BasicTokenAuthentication

    from microsoft.store.partnercenterservices import MicrosoftPartnerStoreApis

    client = MicrosoftPartnerStoreApis(
        BasicTokenAuthentication({"access_token": token}), base_url=env("TWOTIER_BASE_URL").rstrip("/")
    )
    client.config.retry_policy.retries = 0
    client.config.retry_policy.policy.status_forcelist = set()
    client.config.connection.timeout = 30
    return client
