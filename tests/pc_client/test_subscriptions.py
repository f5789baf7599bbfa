"""Subscription changes through Microsoft's generated Partner Center client: PATCH with the
resource's etag, the upgrades, add-ons and support contact operations, and the reseller
administering on the customer's behalf.

The client treats `attributes` as read-only and never sends the etag back in the body, so a
change passes it as `If-Match` (twotier refuses a change that names no version: a full
resource sent back without one could silently undo someone else's change)."""

import uuid

import pytest
from msrestazure.azure_exceptions import CloudError

from microsoft.store.partnercenterservices.models import (
    MicrosoftPartnerSdkContractsV1Offer as Offer,
    MicrosoftPartnerSdkContractsV1Order as Order,
    MicrosoftPartnerSdkContractsV1OrderLineItem as LineItem,
    MicrosoftPartnerSdkContractsV1SubscriptionsSupportContact as SupportContact,
    MicrosoftPartnerSdkContractsV1SubscriptionsUpgrade as Upgrade,
)

from helpers import create_customer, fabrikam


@pytest.fixture(scope="module")
def bought(provider):
    """A Fabrikam customer with CNT-BASIC (10) and MAIL-P1 (5) with its MAIL-ARCHIVE add-on."""
    reseller = fabrikam(provider)
    customer = create_customer(provider, "subsviaclient", "Subs Via Client", reseller.id).json()["id"]
    order = Order(reference_customer_id=customer, billing_cycle="monthly", line_items=[
        LineItem(line_item_number=0, offer_id="CNT-BASIC", quantity=10, partner_id_on_record=reseller.mpn_id),
        LineItem(line_item_number=1, offer_id="MAIL-P1", quantity=5),
        LineItem(line_item_number=2, offer_id="MAIL-ARCHIVE", quantity=5),
    ])
    provider.postvversioncustomerscustomer.idorders(customer, order, "1", ms_request_id=str(uuid.uuid4()))
    subs = {s.offer_id: s for s in provider.getvversioncustomerscustomer.value9(customer, "1").items}
    return customer, subs, reseller


def if_match(resource):
    return {"If-Match": '"%s"' % resource.attributes.etag}


def test_a_patch_carries_the_etag_and_a_stale_one_is_refused(provider, bought):
    customer, subs, _ = bought
    sub = provider.getvversioncustomerscustomer.id6(customer, subs["CNT-BASIC"].id, "1")
    old_etag = sub.attributes.etag
    sub.quantity = 12
    changed = provider.patchvversioncustomerscustomer.id4(customer, sub.id, sub, "1", custom_headers=if_match(sub))
    assert changed.quantity == 12
    assert changed.attributes.etag != old_etag
    # The same resource again, with the etag it was read with: refused with 412.
    sub.quantity = 13
    with pytest.raises(CloudError) as stale:
        provider.patchvversioncustomerscustomer.id4(customer, sub.id, sub, "1", custom_headers=if_match(sub))
    assert stale.value.status_code == 412
    # Without any etag, a change is refused too.
    with pytest.raises(CloudError) as unversioned:
        provider.patchvversioncustomerscustomer.id4(customer, sub.id, sub, "1")
    assert unversioned.value.status_code == 412
    assert provider.getvversioncustomerscustomer.id6(customer, sub.id, "1").quantity == 12


def test_a_rule_refusal_has_partner_centers_code(provider, bought):
    customer, subs, _ = bought
    sub = provider.getvversioncustomerscustomer.id6(customer, subs["CNT-BASIC"].id, "1")
    sub.quantity = 100000
    raw = provider.patchvversioncustomerscustomer.id4(customer, sub.id, sub, "1", raw=True, custom_headers=if_match(sub))
    assert raw.response.status_code == 400
    assert raw.response.json()["code"] == 2002


def test_upgrades_addons_and_the_upgrade_itself(provider, bought):
    customer, subs, _ = bought
    mail = subs["MAIL-P1"]
    addons = provider.getvversioncustomerscustomer.idaddons(customer, mail.id, "1")
    assert [a.offer_id for a in addons.items] == ["MAIL-ARCHIVE"]
    blocked = provider.getvversioncustomerscustomer.idupgrades(customer, mail.id, "1")
    assert blocked.items[0].is_eligible is False
    assert blocked.items[0].upgrade_errors[0].code == "subscription_add_ons_present"

    basic = subs["CNT-BASIC"]
    ups = provider.getvversioncustomerscustomer.idupgrades(customer, basic.id, "1")
    assert [u.target_offer.id for u in ups.items] == ["CNT-STANDARD", "CNT-PREMIUM"]
    assert all(u.is_eligible for u in ups.items)
    chosen = Upgrade(target_offer=Offer(id="CNT-STANDARD"), upgrade_type="upgrade_with_license_transfer")
    result = provider.postvversioncustomerscustomer.idupgrades(customer, basic.id, chosen, "1")
    assert result.source_subscription_id == basic.id
    target = provider.getvversioncustomerscustomer.id6(customer, result.target_subscription_id, "1")
    assert (target.offer_id, target.quantity, target.status) == ("CNT-STANDARD", 12, "active")
    assert provider.getvversioncustomerscustomer.id6(customer, basic.id, "1").status == "suspended"


def test_the_support_contact(provider, bought):
    customer, subs, reseller = bought
    mail = subs["MAIL-P1"]
    first = provider.getvversioncustomerscustomer.idsupportcontact(customer, mail.id, "1")
    assert first.name.startswith("Contoso")
    contact = SupportContact(support_tenant_id=reseller.id, support_mpn_id=reseller.mpn_id, name=reseller.name)
    set_ = provider.putvversioncustomerscustomer.idsupportcontact(customer, mail.id, contact, "1")
    assert set_.support_tenant_id == reseller.id
    assert provider.getvversioncustomerscustomer.idsupportcontact(customer, mail.id, "1").name == reseller.name


def test_the_reseller_changes_the_quantity_on_the_customers_behalf(reseller, bought):
    customer, subs, _ = bought
    sub = reseller.getvversioncustomerscustomer.id6(customer, subs["MAIL-P1"].id, "1")
    sub.quantity = 7
    assert reseller.patchvversioncustomerscustomer.id4(customer, sub.id, sub, "1", custom_headers=if_match(sub)).quantity == 7
    # Cancelling is the provider's.
    sub = reseller.getvversioncustomerscustomer.id6(customer, sub.id, "1")
    sub.status = "deleted"
    raw = reseller.patchvversioncustomerscustomer.id4(customer, sub.id, sub, "1", raw=True, custom_headers=if_match(sub))
    assert raw.response.status_code == 403
    assert raw.response.json()["code"] == 600008
