"""Drives twotier with Microsoft's own generated Partner Center client.

`partnercenterservices` (PyPI, AutoRest/msrest, 2019) is a Python client for the Partner
Center REST API. These tests point it at a running twotier and check that the indirect
reseller / indirect provider relationships and MPN profiles come back in shapes the
client deserializes, and that the web UI shows the same relationships as the API.

Environment:
    TWOTIER_BASE_URL    e.g. http://127.0.0.1:8080 (no trailing /v1)
    PROVIDER_TOKEN      bearer token of an indirect provider's user
    RESELLER_TOKEN      bearer token of an indirect reseller's user
    PROVIDER_UI_EMAIL   web UI user of the same provider
    RESELLER_UI_EMAIL   web UI user of the same reseller
    UI_PASSWORD         password of both UI users

Notes on the client (it matters when reading failures):
  * Every generated operation *accepts* 200, 201, 400, 401, 403, 404 and 500: for those it
    raises nothing and returns ``None`` unless the status is 200/201. So these tests call
    with ``raw=True`` and check ``response.status_code`` themselves.
  * Any other status raises ``msrestazure.azure_exceptions.CloudError`` (``.status_code``).
  * msrest retries 408 and 5xx (except 501/505) three times with back-off and then raises
    ``msrest.exceptions.ClientRequestError``; the client fixture turns that off.

Run: scripts/pc_client.sh (starts the demo, makes tokens, runs pytest), or by hand with the
variables above: pip install -r tests/pc_client/requirements.txt && pytest tests/pc_client
"""

import html
import json
import re

import pytest
import requests
from msrestazure.azure_exceptions import CloudError

import helpers
from helpers import env

API_VERSION = "1"  # the client formats this into /v{version}/...

# What the provider asks for (its resellers) and what the reseller asks for (its providers).
# Partner Center's .NET SDK sends the PascalCase spelling; this client's docstring lists
# camelCase ('isIndirectCloudSolutionProviderOf'). It sends whichever string it is given.
PROVIDER_QUERY = "IsIndirectCloudSolutionProviderOf"
RESELLER_QUERY = "IsIndirectResellerOf"

# What the items carry: the client's model documents 'none', 'is_indirect_reseller_of' and
# 'is_indirect_cloud_solution_provider_of' for PartnerRelationship.relationship_type.
PROVIDER_ITEM_TYPE = "is_indirect_cloud_solution_provider_of"
RESELLER_ITEM_TYPE = "is_indirect_reseller_of"

UNKNOWN_MPN_ID = "999999999"




def base_url():
    return env("TWOTIER_BASE_URL").rstrip("/")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def make_client():
    return helpers.make_client


# --------------------------------------------------------------------------- helpers


def call_ok(operation, **params):
    """Calls `operation.value(...)` and insists on HTTP 200 with a deserialized body."""
    raw = operation.value(API_VERSION, raw=True, **params)
    response = raw.response
    where = f"{response.request.method} {response.request.url}"
    assert response.status_code == 200, (
        f"{where} -> HTTP {response.status_code}: {response.text[:500]}"
    )
    assert raw.output is not None, f"{where} -> 200 but the client deserialized nothing"
    return raw.output


def list_relationships(client, relationship_type, filter=None):
    return call_ok(
        client.getvversionrelationshipsrelationship,
        relationship_type=relationship_type,
        filter=filter,
    )


def get_mpn_profile(client, mpn_id=None):
    return call_ok(client.getvversionprofilesmpnmpn_idmpn_id, mpn_id=mpn_id)


def name_filter(prefix, operator="starts_with"):
    return json.dumps({"Field": "Name", "Value": prefix, "Operator": operator})


def check_collection(collection, item_type):
    assert collection.attributes is not None
    assert collection.attributes.object_type == "Collection"
    assert collection.items is not None, "collection has no 'items'"
    assert collection.total_count == len(collection.items), (
        "totalCount should equal the number of items when there is a single page"
    )
    for item in collection.items:
        label = f"relationship {item.id!r} ({item.name!r})"
        assert item.id, f"{label}: no id"
        assert item.name, f"{label}: no name"
        assert item.relationship_type == item_type, f"{label}: {item.relationship_type!r}"
        assert item.state == "active", f"{label}: state {item.state!r}"
        assert isinstance(item.mpn_id, str) and item.mpn_id.isdigit(), (
            f"{label}: mpn id {item.mpn_id!r}"
        )
        assert item.location, f"{label}: no location"
        assert item.attributes is not None
        assert item.attributes.object_type == "PartnerRelationship"
    ids = [item.id for item in collection.items]
    assert len(ids) == len(set(ids)), f"duplicate relationships: {ids}"


@pytest.fixture(scope="module")
def provider_relationships(provider):
    collection = list_relationships(provider, PROVIDER_QUERY)
    check_collection(collection, PROVIDER_ITEM_TYPE)
    return collection


@pytest.fixture(scope="module")
def reseller_relationships(reseller):
    collection = list_relationships(reseller, RESELLER_QUERY)
    check_collection(collection, RESELLER_ITEM_TYPE)
    return collection


# --------------------------------------------------------------------------- relationships


def test_provider_lists_its_indirect_resellers(provider_relationships):
    assert provider_relationships.items, "the provider should have at least one reseller"


def test_reseller_lists_its_indirect_providers(reseller_relationships):
    assert reseller_relationships.items, "the reseller should have at least one provider"


@pytest.mark.parametrize(
    "spelling", [PROVIDER_QUERY, "isIndirectCloudSolutionProviderOf"]
)
def test_relationship_type_spellings_agree(provider, provider_relationships, spelling):
    """The .NET SDK's PascalCase and this client's documented camelCase mean the same."""
    collection = list_relationships(provider, spelling)
    check_collection(collection, PROVIDER_ITEM_TYPE)
    assert sorted(i.id for i in collection.items) == sorted(
        i.id for i in provider_relationships.items
    )


def test_provider_and_reseller_see_each_other(provider, reseller, provider_relationships,
                                              reseller_relationships):
    """The reseller behind RESELLER_TOKEN is among the provider's resellers, and back."""
    provider_mpn = get_mpn_profile(provider).mpn_id
    reseller_mpn = get_mpn_profile(reseller).mpn_id
    assert reseller_mpn in {i.mpn_id for i in provider_relationships.items}
    assert provider_mpn in {i.mpn_id for i in reseller_relationships.items}


@pytest.mark.parametrize("operator", ["starts_with", "StartsWith"])
def test_filter_by_name_prefix(provider, provider_relationships, operator):
    first = provider_relationships.items[0]
    prefix = first.name[:3]
    collection = list_relationships(provider, PROVIDER_QUERY, name_filter(prefix, operator))
    check_collection(collection, PROVIDER_ITEM_TYPE)

    names = [i.name for i in collection.items]
    assert first.name in names
    assert all(n.lower().startswith(prefix.lower()) for n in names), names
    expected = sorted(
        i.name for i in provider_relationships.items
        if i.name.lower().startswith(prefix.lower())
    )
    assert sorted(names) == expected


def test_filter_with_no_match_is_empty(provider):
    collection = list_relationships(provider, PROVIDER_QUERY, name_filter("zzzq-no-such-name"))
    assert collection.items == []
    assert collection.total_count == 0


# --------------------------------------------------------------------------- MPN profiles


def check_mpn_profile(profile):
    assert profile.profile_type == "mpn_profile"
    assert profile.attributes is not None
    assert profile.attributes.object_type == "MpnProfile"
    assert isinstance(profile.mpn_id, str) and profile.mpn_id.isdigit(), profile.mpn_id
    assert profile.partner_name


@pytest.mark.parametrize("who", ["provider", "reseller"])
def test_own_mpn_profile(request, who):
    client = request.getfixturevalue(who)
    check_mpn_profile(get_mpn_profile(client))


def test_mpn_profile_by_id_of_a_reseller(provider, provider_relationships):
    reseller = provider_relationships.items[0]
    profile = get_mpn_profile(provider, mpn_id=reseller.mpn_id)
    check_mpn_profile(profile)
    assert profile.mpn_id == reseller.mpn_id
    assert profile.partner_name == reseller.name


def test_mpn_profile_by_own_id_is_own_profile(provider):
    own = get_mpn_profile(provider)
    again = get_mpn_profile(provider, mpn_id=own.mpn_id)
    assert (again.mpn_id, again.partner_name) == (own.mpn_id, own.partner_name)


def test_unknown_mpn_id_is_404(provider):
    op = provider.getvversionprofilesmpnmpn_idmpn_id
    raw = op.value(API_VERSION, mpn_id=UNKNOWN_MPN_ID, raw=True)
    assert raw.response.status_code == 404, raw.response.text[:500]
    assert raw.output is None
    body = raw.response.json()
    assert isinstance(body.get("code"), int), body
    assert body.get("description"), body

    # Without raw=True the generated client swallows the 404 (it is in its accepted list)
    # and returns None; statuses outside the list raise CloudError with .status_code.
    try:
        assert op.value(API_VERSION, mpn_id=UNKNOWN_MPN_ID) is None
    except CloudError as e:  # pragma: no cover - only if the client ever changes
        assert e.status_code == 404


def test_bad_token_is_refused(make_client):
    client = make_client("not-a-real-token")
    raw = client.getvversionrelationshipsrelationship.value(
        API_VERSION, relationship_type=PROVIDER_QUERY, raw=True
    )
    assert raw.response.status_code == 401, raw.response.text[:500]
    assert raw.output is None


# --------------------------------------------------------------------------- the web UI

ROW = re.compile(r"<tr\b[^>]*\bdata-partner-id=\"([^\"]+)\"", re.IGNORECASE)


def ui_session(email):
    url = base_url()
    s = requests.Session()
    r = s.get(f"{url}/login", timeout=30)
    assert r.status_code == 200, f"GET /login -> {r.status_code}"
    r = s.post(
        f"{url}/login",
        data={"email": email, "password": env("UI_PASSWORD")},
        headers={"Sec-Fetch-Site": "same-origin"},
        timeout=30,
    )
    assert r.status_code == 200, f"POST /login as {email} -> {r.status_code}: {r.text[:300]}"
    assert s.cookies.get("tt_session"), f"no tt_session cookie after signing in as {email}"
    return s


def ui_page(session, path):
    r = session.get(f"{base_url()}{path}", timeout=30)
    assert r.status_code == 200, f"GET {path} -> {r.status_code}"
    assert "/login" not in r.url, f"GET {path} sent us to the sign-in page"
    return r.text


def check_page_matches(page, collection, path):
    text = html.unescape(page)
    for item in collection.items:
        assert item.name in text, f"{item.name!r} is in the API but not on {path}"
    rows = ROW.findall(page)
    assert len(rows) == len(collection.items), (
        f"{path} has {len(rows)} partner rows, the API {len(collection.items)} items"
    )
    assert len(set(rows)) == len(rows), f"duplicate rows on {path}: {rows}"


def test_provider_ui_matches_api(provider_relationships):
    session = ui_session(env("PROVIDER_UI_EMAIL"))
    page = ui_page(session, "/resellers")
    check_page_matches(page, provider_relationships, "/resellers")


def test_reseller_ui_matches_api(reseller_relationships):
    session = ui_session(env("RESELLER_UI_EMAIL"))
    page = ui_page(session, "/indirect-providers")
    check_page_matches(page, reseller_relationships, "/indirect-providers")
