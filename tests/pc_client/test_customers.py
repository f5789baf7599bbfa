"""Customers through Microsoft's generated Partner Center client (the 2019 client has no
create-customer operation, so it reads the demo world's customers: Contoso has five, three of
them associated with Fabrikam IT Services (one, Tailwind Traders, reached with a relationship
request), one with Northwind MSP, a former partner)."""

import json
import re

import requests

from helpers import env

DEMO_CUSTOMERS = ["Adventure Works", "Alpine Ski House", "Proseware", "Tailwind Traders", "Wide World Importers"]
FABRIKAM_CUSTOMERS = ["Adventure Works", "Tailwind Traders", "Wide World Importers"]


def names(page):
    return sorted(c.company_profile.company_name for c in page.items)


def fabrikam_id(provider):
    rels = provider.getvversionrelationshipsrelationship.value("1", relationship_type="IsIndirectCloudSolutionProviderOf")
    return next(r.id for r in rels.items if r.name.startswith("Fabrikam"))


def test_the_provider_lists_its_customers(provider):
    page = provider.getvversioncustomersfilterfilter.value("1")
    assert page.total_count == len(page.items) == len(DEMO_CUSTOMERS)
    assert names(page) == DEMO_CUSTOMERS
    c = page.items[0]
    assert c.company_profile.domain.endswith(".onmicrosoft.example")
    assert c.company_profile.tenant_id == c.id
    assert c.user_credentials is None
    # List items carry no billing profile, as in Partner Center; one customer's read does.
    assert c.billing_profile is None


def test_filters_by_reseller_and_name(provider):
    by_reseller = json.dumps({"Field": "IndirectReseller", "Value": fabrikam_id(provider), "Operator": "starts_with"})
    assert names(provider.getvversioncustomersfilterfilter.value("1", filter=by_reseller)) == FABRIKAM_CUSTOMERS
    by_name = json.dumps({"Field": "DisplayName", "Value": "Alp", "Operator": "StartsWith"})
    assert names(provider.getvversioncustomersfilterfilter.value("1", filter=by_name)) == ["Alpine Ski House"]


def test_one_customer_with_its_billing_profile(provider):
    first = provider.getvversioncustomersfilterfilter.value("1").items[0]
    one = provider.getvversioncustomerscustomer.id(first.id, "1")
    assert one.id == first.id
    assert one.billing_profile.email.startswith("it@")
    assert one.billing_profile.attributes.etag


def test_a_reseller_sees_only_its_own_customers(reseller):
    assert names(reseller.getvversioncustomersfilterfilter.value("1")) == FABRIKAM_CUSTOMERS


def test_the_customers_page_shows_the_same(provider):
    base = env("TWOTIER_BASE_URL").rstrip("/")
    s = requests.Session()
    r = s.post(base + "/login", data={"email": env("PROVIDER_UI_EMAIL"), "password": env("UI_PASSWORD")},
               headers={"Sec-Fetch-Site": "same-origin"}, allow_redirects=False, timeout=10)
    assert r.status_code == 303
    html = s.get(base + "/customers", timeout=10).text
    rows = re.findall(r'<tr data-customer-id="([^"]+)"', html)
    api_ids = {c.id for c in provider.getvversioncustomersfilterfilter.value("1").items}
    assert set(rows) == api_ids
