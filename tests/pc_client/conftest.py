"""Clients shared by every Partner Center client test: the demo provider's and its reseller's."""

import pytest

from helpers import env, make_client


@pytest.fixture(scope="session")
def provider():
    return make_client(env("PROVIDER_TOKEN"))


@pytest.fixture(scope="session")
def reseller():
    return make_client(env("RESELLER_TOKEN"))
