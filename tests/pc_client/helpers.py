"""Shared by the Partner Center client tests."""

import os
import uuid

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


def fabrikam(provider):
    rels = provider.getvversionrelationshipsrelationship.value("1", relationship_type="IsIndirectCloudSolutionProviderOf")
    return next(r for r in rels.items if r.name.startswith("Fabrikam"))


def create_customer(client, prefix, name, reseller_id, request_id=None):
    """POST /v1/customers through the client's pipeline; returns the requests.Response."""
    body = {
        "companyProfile": {"domain": prefix},
        "billingProfile": {
            "email": f"it@{prefix}.test", "culture": "en-GB", "language": "en", "companyName": name,
            "defaultAddress": {"addressLine1": "1 High Street", "city": "Leeds", "postalCode": "LS1 1AA",
                               "country": "GB", "firstName": "Sam", "lastName": "Shaw", "phoneNumber": "+44 113 000 0000"},
        },
        "associatedPartnerId": reseller_id,
    }
    request = client._client.post(client._client.format_url("/v1/customers"))
    headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
               "MS-RequestId": request_id or str(uuid.uuid4()), "MS-CorrelationId": str(uuid.uuid4())}
    return client._client.send(request, headers, body)
