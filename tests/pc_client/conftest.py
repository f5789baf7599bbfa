"""Clients shared by every Partner Center client test: the demo provider's and its reseller's."""

import pytest

from helpers import env, make_client


@pytest.fixture(scope="session")
def provider():
    return make_client(env("PROVIDER_TOKEN"))


@pytest.fixture(scope="session")
def reseller():
    return make_client(env("RESELLER_TOKEN"))


def pytest_collection_modifyitems(items):
    """The relationship request tests add a customer to the demo provider's and Fabrikam's
    lists, which the customer list tests compare with the demo data: they run last."""
    items.sort(key=lambda item: item.module.__name__ == "test_customer_relationships")
