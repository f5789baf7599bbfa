"""A customer for a reseller, paging and ordering through Microsoft's generated Partner Center
client. The 2019 client has no create-customer operation, so that one request goes through
the client's own pipeline (its authentication, configuration and session) as a raw call;
everything else uses the client's operations and models.

Runs after test_customers.py (file order), which counts the demo's customers before these
tests add theirs."""

import json
import uuid

import pytest

from microsoft.store.partnercenterservices.models import (
    MicrosoftPartnerSdkContractsV1Order as Order,
    MicrosoftPartnerSdkContractsV1OrderLineItem as LineItem,
)

from helpers import create_customer, fabrikam

PAGED = 250


@pytest.fixture(scope="module")
def fabrikam_id(provider):
    return fabrikam(provider).id


@pytest.fixture(scope="module")
def fabrikam_mpn_id(provider):
    return fabrikam(provider).mpn_id


def all_pages(client, flt=None, size=None):
    """Follows links.next with its MS-ContinuationToken header, as Partner Center clients do."""
    pages, headers = [], None
    for _ in range(100):
        page = client.getvversioncustomersfilterfilter.value("1", filter=flt, size=size, custom_headers=headers)
        pages.append(page)
        nxt = page.links.next if page.links else None
        if nxt is None:
            return pages
        headers = {h.key: h.value for h in nxt.headers}
    raise AssertionError("more than 100 pages")


def test_a_customer_for_a_reseller_found_with_the_indirect_reseller_filter(provider, reseller, fabrikam_id):
    key = str(uuid.uuid4())
    r = create_customer(provider, "clientmade", "Client Made Ltd", fabrikam_id, request_id=key)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["associatedPartnerId"] == fabrikam_id
    assert created["userCredentials"]["userName"] == "admin@clientmade.onmicrosoft.example"
    # The same request id again: the same customer, and no password.
    again = create_customer(provider, "clientmade", "Client Made Ltd", fabrikam_id, request_id=key)
    assert again.status_code == 201 and again.json()["id"] == created["id"]
    assert "userCredentials" not in again.json()
    flt = json.dumps({"Field": "IndirectReseller", "Value": fabrikam_id, "Operator": "starts_with"})
    found = [c for p in all_pages(provider, flt) for c in p.items]
    assert created["id"] in {c.id for c in found}
    one = provider.getvversioncustomerscustomer.id(created["id"], "1")
    assert one.company_profile.company_name == "Client Made Ltd"
    # The reseller sees it too, without the association field (it is the reseller).
    assert created["id"] in {c.id for p in all_pages(reseller) for c in p.items}


def test_bad_customers_are_refused_with_specific_errors(provider, fabrikam_id):
    taken = create_customer(provider, "clientmade", "Again Ltd", fabrikam_id)
    assert taken.status_code == 400 and "taken" in taken.json()["description"]
    wrong_suffix = create_customer(provider, "x.example.com", "Bad Ltd", None)
    assert wrong_suffix.status_code == 400 and "onmicrosoft.example" in wrong_suffix.json()["description"]


def test_paging_through_250_customers(provider, fabrikam_id):
    for i in range(PAGED):
        r = create_customer(provider, f"paged{i:03d}", f"Paged {i:03d}", fabrikam_id)
        assert r.status_code == 201, r.text
    flt = json.dumps({"Field": "CompanyName", "Value": "Paged ", "Operator": "starts_with"})
    pages = all_pages(provider, flt, size=40)
    assert [len(p.items) for p in pages] == [40] * 6 + [10]
    assert all(p.total_count == len(p.items) for p in pages)
    names = [c.company_profile.company_name for p in pages for c in p.items]
    assert names == [f"Paged {i:03d}" for i in range(PAGED)], "every customer once, in order"


def test_an_order_with_a_partner_of_record_and_its_subscriptions(provider, reseller, fabrikam_id, fabrikam_mpn_id):
    customer = create_customer(provider, "orderedco", "Ordered Co", fabrikam_id).json()["id"]
    order = Order(
        reference_customer_id=customer,
        billing_cycle="monthly",
        line_items=[
            LineItem(line_item_number=0, offer_id="MAIL-P1", quantity=12, partner_id_on_record=fabrikam_mpn_id, friendly_name="Mail for Ordered Co"),
            LineItem(line_item_number=1, offer_id="MAIL-ARCHIVE", quantity=12, partner_id_on_record=fabrikam_mpn_id),
        ],
    )
    key = str(uuid.uuid4())
    raw = provider.postvversioncustomerscustomer.idorders(customer, order, "1", ms_request_id=key, raw=True)
    assert raw.response.status_code == 201, raw.response.text
    placed = raw.output
    assert placed.id and placed.status == "completed"
    assert [li.offer_id for li in placed.line_items] == ["MAIL-P1", "MAIL-ARCHIVE"]
    # A retry with the same request id returns the same order.
    assert provider.postvversioncustomerscustomer.idorders(customer, order, "1", ms_request_id=key).id == placed.id
    read = provider.getvversioncustomerscustomer.id5(customer, placed.id, "1")
    assert read.id == placed.id and len(read.line_items) == 2
    subs = provider.getvversioncustomerscustomer.value9(customer, "1")
    assert sorted((s.offer_id, s.quantity, s.status, s.partner_id) for s in subs.items) == [
        ("MAIL-ARCHIVE", 12, "active", fabrikam_mpn_id),
        ("MAIL-P1", 12, "active", fabrikam_mpn_id),
    ]
    by_order = provider.getvversioncustomerscustomer.value9(customer, "1", order_id=placed.id)
    assert len(by_order.items) == 2
    by_mpn = provider.getvversioncustomerscustomer.value9(customer, "1", mpn_id=fabrikam_mpn_id)
    assert len(by_mpn.items) == 2
    one = provider.getvversioncustomerscustomer.id6(customer, subs.items[0].id, "1")
    assert one.id == subs.items[0].id
    # The reseller of record reads them as well.
    assert len(reseller.getvversioncustomerscustomer.value9(customer, "1").items) == 2


def test_an_order_naming_the_providers_own_mpn_id_is_refused(provider, fabrikam_id):
    customer = create_customer(provider, "refusedco", "Refused Co", fabrikam_id).json()["id"]
    own = provider.getvversionprofilesmpnmpn_idmpn_id.value("1").mpn_id
    order = Order(reference_customer_id=customer, billing_cycle="monthly",
                  line_items=[LineItem(line_item_number=0, offer_id="MAIL-P1", quantity=1, partner_id_on_record=own)])
    raw = provider.postvversioncustomerscustomer.idorders(customer, order, "1", raw=True)
    assert raw.response.status_code == 404
    assert raw.response.json()["code"] == 2072
    assert provider.getvversioncustomerscustomer.value9(customer, "1").items == []
