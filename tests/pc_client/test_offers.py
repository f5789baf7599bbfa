"""The offer catalog through Microsoft's generated Partner Center client.

Uses the same environment as test_relationships.py. The demo catalog holds 21 offers with
upgrade paths and add-ons, all sold in Germany; one (off sale) only in Europe.
"""


import pytest
import requests
from helpers import env, make_client




@pytest.fixture(scope="module")
def client():
    return make_client(env("PROVIDER_TOKEN"))


def raw_json(path):
    r = requests.get(
        env("TWOTIER_BASE_URL").rstrip("/") + path,
        headers={"Authorization": "Bearer " + env("PROVIDER_TOKEN")},
        timeout=10,
    )
    r.raise_for_status()
    return r.json()


def test_offers_of_a_country_deserialize_and_match_the_api(client):
    raw = client.getvversionofferscountrycountry.value("1", country="DE", raw=True)
    assert raw.response.status_code == 200
    page = raw.output
    expected = raw_json("/v1/offers?country=DE")
    assert page.total_count == expected["totalCount"] == len(page.items)
    by_id = {o.id: o for o in page.items}
    basic = by_id["CNT-BASIC"]
    assert basic.name == "Contour Business Basic"
    assert basic.minimum_quantity >= 1 and basic.maximum_quantity >= basic.minimum_quantity
    assert "CNT-PREMIUM" in basic.upgrade_target_offers
    assert basic.category.name == "Productivity"
    assert basic.term == 1 and basic.term_unit_of_measure == "Years"
    archive = by_id["MAIL-ARCHIVE"]
    assert archive.is_add_on and set(archive.prerequisite_offers) == {"MAIL-P1", "MAIL-P2"}
    assert by_id["MAIL-P1"].has_add_ons


def test_offers_are_per_country(client):
    de = client.getvversionofferscountrycountry.value("1", country="DE").items
    us = client.getvversionofferscountrycountry.value("1", country="US").items
    assert "LEGACY-MAIL" in {o.id for o in de}
    assert "LEGACY-MAIL" not in {o.id for o in us}


def test_one_offer_and_the_categories(client):
    offer = client.getvversionoffersoffer.value1("DEV-ENT", "1", country="DE")
    assert offer.id == "DEV-ENT" and offer.term == 3
    raw = client.getvversionoffersoffer.value1("NO-SUCH-OFFER", "1", country="DE", raw=True)
    assert raw.response.status_code == 404
    cats = client.getvversionoffercategoriescountrycountry.value("1", country="DE")
    names = {c.name for c in cats.items}
    assert {"Productivity", "Email", "Security"} <= names
