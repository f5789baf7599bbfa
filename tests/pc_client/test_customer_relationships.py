"""Existing customers through Microsoft's generated client: the relationship request link,
the customer's acceptance in the web UI (its first sign-in replaces the temporary password),
the customer's indirect resellers, its users and licences, and the provider giving up its
delegated admin access.

Needs, besides the variables of test_relationships.py, a customer no partner relates to yet
(scripts/pc_client.sh makes one with `twotier admin customer create`):
    EXISTING_CUSTOMER_ID, EXISTING_ADMIN_EMAIL, EXISTING_ADMIN_PASSWORD (temporary)
"""

import re
import uuid

import pytest
import requests
from msrestazure.azure_exceptions import CloudError
from microsoft.store.partnercenterservices.models import (
    MicrosoftPartnerSdkContractsV1Customer as Customer,
    MicrosoftPartnerSdkContractsV1CustomerUser as CustomerUser,
    MicrosoftPartnerSdkContractsV1OrderLineItem as LineItem,
    MicrosoftPartnerSdkContractsV1Order as Order,
    MicrosoftPartnerSdkContractsV1UserLicenseManagementLicenseAssignment as LicenseAssignment,
)

from helpers import env, fabrikam

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def form_token(page):
    return re.search(r'name="_csrf" value="([^"]+)"', page).group(1)


def requests_op(client):
    return client.getvversioncustomersrelationshiprequestsindirect_cloud_solution_provider_idindirect_cloud_solution_provider_id


@pytest.fixture(scope="module")
def accepted(provider):
    """The provider's request naming Fabrikam, accepted by the customer's Global admin."""
    reseller = fabrikam(provider)
    link = requests_op(provider).value("1", indirect_reseller_id=reseller.id)
    assert "/customer-relationships/accept?token=" in link.url
    base = env("TWOTIER_BASE_URL").rstrip("/")
    email, temporary = env("EXISTING_ADMIN_EMAIL"), env("EXISTING_ADMIN_PASSWORD")
    s = requests.Session()
    r = s.post(f"{base}/login", data={"email": email, "password": temporary}, headers=SAME_ORIGIN, timeout=30)
    assert r.url.endswith("/password"), f"the first sign-in must ask for a new password, went to {r.url}"
    new = "a new password for " + uuid.uuid4().hex[:8]
    r = s.post(f"{base}/password", headers=SAME_ORIGIN, timeout=30, data={
        "_csrf": form_token(r.text), "current_password": temporary, "new_password": new, "confirm_password": new})
    assert r.status_code == 200 and not r.url.endswith("/password"), r.text[:500]
    page = s.get(link.url, timeout=30)
    assert page.status_code == 200 and "Fabrikam" in page.text, page.text[:500]
    token = link.url.split("token=", 1)[1]
    r = s.post(f"{base}/customer-relationships/accept", headers=SAME_ORIGIN, timeout=30,
               data={"_csrf": form_token(page.text), "token": token, "consent": "on"})
    assert r.status_code == 200 and r.url.endswith("/my/partners?done=relationship-accepted"), r.text[:500]
    # The link works once.
    again = s.post(f"{base}/customer-relationships/accept", headers=SAME_ORIGIN, timeout=30,
                   data={"_csrf": form_token(page.text), "token": token, "consent": "on"})
    assert again.status_code == 410
    return env("EXISTING_CUSTOMER_ID"), reseller


def test_a_relationship_request_link(provider):
    raw = requests_op(provider).value("1", raw=True)
    assert raw.response.status_code == 200, raw.response.text
    assert raw.output.url.startswith(env("TWOTIER_BASE_URL").rstrip("/"))
    assert raw.response.json()["attributes"]["objectType"] == "RelationshipRequest"
    # An unknown reseller is refused with a clear 400.
    bad = requests_op(provider).value("1", indirect_reseller_id=str(uuid.uuid4()), raw=True)
    assert bad.response.status_code == 400, bad.response.text


def test_the_customer_appears_for_both_partners(provider, reseller, accepted):
    customer_id, fab = accepted
    one = provider.getvversioncustomerscustomer.id(customer_id, "1")
    assert one.id == customer_id and one.allow_delegated_access is True
    assert one.associated_partner_id == fab.id
    seen = reseller.getvversioncustomerscustomer.id(customer_id, "1")
    assert seen.id == customer_id


def test_the_customers_indirect_resellers(provider, accepted):
    customer_id, fab = accepted
    rels = provider.getvversioncustomerscustomer.idrelationships(customer_id, "1")
    assert [r.id for r in rels.items] == [fab.id]
    assert rels.items[0].name == fab.name
    assert rels.items[0].relationship_type.replace("_", "").lower() == "isindirectresellerof"


def test_customer_users_and_licences(provider, reseller, accepted):
    customer_id, _ = accepted
    order = Order(reference_customer_id=customer_id, billing_cycle="monthly",
                  line_items=[LineItem(line_item_number=0, offer_id="CNT-BASIC", quantity=1)])
    placed = provider.postvversioncustomerscustomer.idorders(customer_id, order, "1", raw=True)
    assert placed.response.status_code == 201, placed.response.text
    subscription = placed.output.line_items[0].subscription_id
    # The reseller holds delegated admin access: it creates users and assigns licences.
    users = []
    # A customer's users are on its own domain.
    domain = env("EXISTING_ADMIN_EMAIL").split("@", 1)[1]
    for name in ("ada", "bob"):
        user = CustomerUser(user_principal_name=f"{name}@{domain}", first_name=name.title(),
                            last_name="Lake", display_name=f"{name.title()} Lake", usage_location="DE")
        raw = reseller.postvversioncustomerscustomer.idusers(customer_id, user, "1", raw=True)
        assert raw.response.status_code == 201, raw.response.text
        assert raw.output.user_principal_name == f"{name}@{domain}"
        assert raw.output.password_profile.force_change_password is True
        assert raw.response.json()["temporaryPassword"], "the temporary password is in the creation response"
        users.append(raw.output.id)
    listed = reseller.getvversioncustomerscustomer.value6(customer_id, "1")
    assert {u.id for u in listed.items} >= set(users)
    first = reseller.postvversioncustomerscustomer.idlicenseupdates(
        customer_id, users[0], "1", licenses_to_assign=[LicenseAssignment(sku_id=subscription)], raw=True)
    assert first.response.status_code == 201, first.response.text
    # One licence only: the second user is refused, and nothing changes for them.
    with pytest.raises(CloudError) as second:
        reseller.postvversioncustomerscustomer.idlicenseupdates(
            customer_id, users[1], "1", licenses_to_assign=[LicenseAssignment(sku_id="CNT-BASIC")])
    assert second.value.status_code == 409
    assert second.value.response.json()["code"] == 600014, second.value.response.text
    held = reseller.getvversioncustomerscustomer.value5(customer_id, users[0], "1", raw=True).response.json()
    assert held["totalCount"] == 1 and held["items"][0]["productSku"]["id"] == "CNT-BASIC"
    none = reseller.getvversioncustomerscustomer.value5(customer_id, users[1], "1", raw=True).response.json()
    assert none["totalCount"] == 0


def test_the_provider_gives_up_its_admin_access(provider, accepted):
    customer_id, _ = accepted
    done = provider.patchvversioncustomerscustomer.id(customer_id, Customer(allow_delegated_access=False), "1", raw=True)
    assert done.response.status_code == 200, done.response.text
    assert done.output.allow_delegated_access is False
    # Its next request inside the customer is refused; ending the relationship is refused
    # while a subscription is active.
    users = provider.getvversioncustomerscustomer.value6(customer_id, "1", raw=True)
    assert users.response.status_code == 403 and users.response.json()["code"] == 600010
    with pytest.raises(CloudError) as refused:
        provider.patchvversioncustomerscustomer.id(customer_id, Customer(relationship_to_partner="none"), "1")
    assert refused.value.status_code == 409
    assert refused.value.response.json()["code"] == 600012, refused.value.response.text
