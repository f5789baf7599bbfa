//! Customers created by a provider, for itself or for an indirect reseller.

use http::{Method, StatusCode};
use serde_json::{Value, json};
use twotier_testkit::{Principal, TestApp, World};

fn body(prefix: &str, name: &str, country: &str, reseller: Option<&str>) -> Value {
    json!({
        "CompanyProfile": { "Domain": prefix },
        "BillingProfile": {
            "Email": format!("it@{prefix}.test"), "Culture": "fr-FR", "Language": "fr", "CompanyName": name,
            "DefaultAddress": { "AddressLine1": "1 rue de la Paix", "City": "Paris", "PostalCode": "75001", "Country": country,
                                "FirstName": "Camille", "LastName": "Martin", "PhoneNumber": "+33 1 23 45 67 89" }
        },
        "AssociatedPartnerId": reseller,
        "Id": "ignored-server-owned",
    })
}

/// The link of a page's `rel` ("next", "prev") in the pager, decoded.
pub(crate) fn pager_link(page: &str, rel: &str) -> Option<String> {
    let before = page.split(&format!("\" rel=\"{rel}\"")).next()?;
    if before.len() == page.len() {
        return None;
    }
    Some(before.rsplit("href=\"").next()?.replace("&#38;", "&"))
}

/// The company names of a customers page's rows, in order.
fn listed_names(page: &str) -> Vec<String> {
    first_links(page, "<tr data-customer-id=")
}

/// The text of the first link in each row that starts with `row`, in order.
pub(crate) fn first_links(page: &str, row: &str) -> Vec<String> {
    page.split(row)
        .skip(1)
        .filter_map(|row| {
            let link = row.split("</a>").next()?;
            Some(link.rsplit('>').next()?.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_customers_list_searches_anywhere_sorts_counts_and_pages_both_ways() {
    let app = TestApp::new().await;
    let world = app.world().await;
    app.partner(&world).await;
    for n in 1..=27 {
        create(
            &app,
            &world,
            &format!("co{n:02}"),
            &format!("Co {n:02}"),
            None,
        )
        .await;
    }
    create(&app, &world, "zadv", "Zeta Advisors", None).await;
    let session = world.user("provider_global_admin").session();
    let first = app.page("/customers", &session).await.text();
    let names = listed_names(&first);
    assert_eq!(names.len(), 28, "a page holds 50 by default: {names:?}");
    let small = app.page("/customers?size=25", &session).await.text();
    let names = listed_names(&small);
    assert_eq!(
        (names.len(), names[0].as_str(), names[24].as_str()),
        (25, "Co 01", "Co 25")
    );
    assert!(small.contains("28 customers") && pager_link(&small, "prev").is_none());
    let next = pager_link(&small, "next").expect("a next page");
    assert!(next.contains("size=25"), "the page size is kept: {next}");
    let second = app.page(&next, &session).await.text();
    assert_eq!(listed_names(&second), ["Co 26", "Co 27", "Zeta Advisors"]);
    assert!(pager_link(&second, "next").is_none());
    let back = app
        .page(
            &pager_link(&second, "prev").expect("a previous page"),
            &session,
        )
        .await
        .text();
    assert_eq!(
        listed_names(&back),
        listed_names(&small),
        "Previous is page one"
    );
    assert!(pager_link(&back, "prev").is_none() && pager_link(&back, "next").is_some());
    // Sorting: by name Z to A, and by when the relationship began.
    let desc = app.page("/customers?sort=name-desc", &session).await.text();
    assert_eq!(listed_names(&desc)[0], "Zeta Advisors");
    assert!(desc.contains("aria-sort=\"descending\""));
    let oldest = app
        .page("/customers?sort=oldest&size=25", &session)
        .await
        .text();
    assert_eq!(listed_names(&oldest)[0], "Co 01");
    let newest = app.page("/customers?sort=newest", &session).await.text();
    assert_eq!(listed_names(&newest)[0], "Zeta Advisors");
    // Search: part of a name or of a domain, any case; the filter is shown and kept.
    let visor = app.page("/customers?q=VISOR", &session).await.text();
    assert_eq!(listed_names(&visor), ["Zeta Advisors"]);
    assert!(
        visor.contains("1 customer (name or domain contains “VISOR”)")
            && visor.contains("value=\"VISOR\""),
        "{visor}"
    );
    let domain = app.page("/customers?q=o1", &session).await.text();
    assert_eq!(listed_names(&domain).len(), 10, "co10 to co19");
    let wild = app.page("/customers?q=%25", &session).await.text();
    assert!(
        wild.contains("No customers match"),
        "a wildcard is a character"
    );
    // A cursor that is not one starts the list again, on both backends.
    let odd = app
        .page("/customers?sort=newest&after=abc&after_id=x", &session)
        .await;
    assert_eq!(odd.status, StatusCode::OK);
    assert_eq!(listed_names(&odd.text())[0], "Zeta Advisors");
}

async fn create(
    app: &TestApp,
    world: &World,
    prefix: &str,
    name: &str,
    reseller: Option<&str>,
) -> Value {
    let r = app
        .api(
            Method::POST,
            "/v1/customers",
            &world.user("provider_admin_agent").bearer(),
            Some(body(prefix, name, "FR", reseller)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn a_provider_creates_customers_and_each_partner_sees_only_its_own() {
    let app = TestApp::new().await;
    let world = app.world().await;
    app.partner(&world).await;
    let reseller_id = world.reseller.to_string();
    let c = create(
        &app,
        &world,
        "Wingtip42",
        "Wingtip Toys",
        Some(&reseller_id),
    )
    .await;
    assert_eq!(c["attributes"]["objectType"], "Customer");
    assert_eq!(
        c["companyProfile"]["domain"],
        "wingtip42.onmicrosoft.example"
    );
    assert_eq!(c["associatedPartnerId"], reseller_id);
    assert_ne!(c["id"], "ignored-server-owned");
    let creds = c["userCredentials"].clone();
    assert_eq!(creds["userName"], "admin@wingtip42.onmicrosoft.example");
    let password = creds["password"].as_str().unwrap().to_owned();
    let id = c["id"].as_str().unwrap().to_owned();
    let direct = create(&app, &world, "directco", "Direct Co", None).await;

    // The password is in no later response, and it signs the customer's admin in (with a forced change).
    let again = app
        .api(
            Method::GET,
            &format!("/v1/customers/{id}"),
            &world.user("provider_sales_agent").bearer(),
            None,
        )
        .await;
    assert!(again.json().get("userCredentials").is_none() && !again.text().contains(&password));
    let login = app
        .login("admin@wingtip42.onmicrosoft.example", &password)
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);

    let names = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                i["companyProfile"]["companyName"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let provider_list = app
        .api(
            Method::GET,
            "/v1/customers",
            &world.user("provider_helpdesk_agent").bearer(),
            None,
        )
        .await
        .json();
    assert_eq!(names(provider_list), ["Direct Co", "Wingtip Toys"]);
    let reseller_list = app
        .api(
            Method::GET,
            "/v1/customers",
            &world.user("reseller_admin_agent").bearer(),
            None,
        )
        .await
        .json();
    assert_eq!(
        names(reseller_list.clone()),
        ["Wingtip Toys"],
        "a reseller never sees the provider's other customers"
    );
    assert!(reseller_list["items"][0]["associatedPartnerId"].is_null());
    let other = app
        .api(
            Method::GET,
            "/v1/customers",
            &world.user("other_reseller_global_admin").bearer(),
            None,
        )
        .await
        .json();
    assert_eq!(other["totalCount"], 0);
    // Cross-tenant probes are 404.
    for who in ["other_reseller_global_admin", "reseller_global_admin"] {
        let r = app
            .api(
                Method::GET,
                &format!("/v1/customers/{}", direct["id"].as_str().unwrap()),
                &world.user(who).bearer(),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}");
    }
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/v1/customers/{id}"),
            &world.user("reseller_global_admin").bearer(),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    // Billing admins do not see customers; resellers cannot create them.
    assert_eq!(
        app.api(
            Method::GET,
            "/v1/customers",
            &world.user("provider_billing_admin").bearer(),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .api(
            Method::POST,
            "/v1/customers",
            &world.user("reseller_global_admin").bearer(),
            Some(body("resco", "Res Co", "FR", None)),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (StatusCode::FORBIDDEN, json!(600_006))
    );

    // Filters and paging.
    let filter = |field: &str, value: &str| {
        format!(
            "/v1/customers?filter={}",
            urlencode(
                &json!({ "Field": field, "Value": value, "Operator": "starts_with" }).to_string()
            )
        )
    };
    let agent = world.user("provider_admin_agent").bearer();
    assert_eq!(
        names(
            app.api(
                Method::GET,
                &filter("IndirectReseller", &reseller_id),
                &agent,
                None
            )
            .await
            .json()
        ),
        ["Wingtip Toys"]
    );
    assert_eq!(
        names(
            app.api(Method::GET, &filter("CompanyName", "dir"), &agent, None)
                .await
                .json()
        ),
        ["Direct Co"]
    );
    assert_eq!(
        names(
            app.api(Method::GET, &filter("Domain", "wing"), &agent, None)
                .await
                .json()
        ),
        ["Wingtip Toys"]
    );
    let first = app
        .api(Method::GET, "/v1/customers?size=1", &agent, None)
        .await
        .json();
    // As in Partner Center, list items carry the company profile and the relationship; the
    // billing profile is read one customer at a time.
    let item = &first["items"][0];
    assert_eq!(item["companyProfile"]["companyName"], "Direct Co");
    assert_eq!(item["relationshipToPartner"], "reseller");
    assert!(item["attributes"]["etag"].is_string());
    assert!(item.get("billingProfile").is_none(), "{item}");
    let one = app
        .api(
            Method::GET,
            &format!("/v1/customers/{}", item["id"].as_str().unwrap()),
            &agent,
            None,
        )
        .await
        .json();
    assert_eq!(one["attributes"]["etag"], item["attributes"]["etag"]);
    assert!(one["billingProfile"]["email"].is_string(), "{one}");
    let token = first["links"]["next"]["headers"][0]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = app
        .api_with(
            Method::GET,
            "/v1/customers?size=1",
            &agent,
            &[("MS-ContinuationToken", &token)],
            None,
        )
        .await
        .json();
    assert_eq!(names(second), ["Wingtip Toys"]);

    // The audit record names the customer and holds no password.
    let rec = app
        .audit_records()
        .await
        .into_iter()
        .find(|r| r.operation == "add_customer")
        .unwrap();
    assert_eq!(rec.customer_name.as_deref(), Some("Wingtip Toys"));
    assert!(!format!("{rec:?}").contains(&password));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn bad_customer_input_is_refused_and_nothing_is_created() {
    let app = TestApp::new().await;
    let world = app.world().await;
    app.partner(&world).await;
    create(&app, &world, "taken", "Taken Co", None).await;
    let before = app.audit_records().await.len();
    let agent = world.user("provider_admin_agent").bearer();
    let other = world.other_reseller.to_string();
    let cases = [
        (
            body("x", "Short Prefix", "FR", None),
            "companyProfile.domain",
        ),
        (
            body("bad-prefix", "Dash Co", "FR", None),
            "companyProfile.domain",
        ),
        (
            body("ok.example.com", "Wrong Suffix", "FR", None),
            "companyProfile.domain",
        ),
        (
            body("taken", "Again Co", "FR", None),
            "companyProfile.domain",
        ),
        (
            body("usco", "US Co", "US", None),
            "billingProfile.defaultAddress.country",
        ),
        (
            body("noregion", "Nowhere Co", "ZZ", None),
            "billingProfile.defaultAddress.country",
        ),
        (
            body("notpartner", "Not Partnered", "FR", Some(&other)),
            "associatedPartnerId",
        ),
        (
            body("badid", "Bad Id", "FR", Some("not-a-guid")),
            "associatedPartnerId",
        ),
        (
            json!({ "companyProfile": { "domain": "empty" } }),
            "billingProfile.email",
        ),
    ];
    for (b, field) in cases {
        let r = app
            .api(Method::POST, "/v1/customers", &agent, Some(b.clone()))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}: {}", r.text());
        assert!(r.text().contains(field), "{field}: {}", r.text());
    }
    assert_eq!(
        app.audit_records().await.len(),
        before,
        "nothing was written"
    );
    assert_eq!(
        app.api(Method::GET, "/v1/customers", &agent, None)
            .await
            .json()["totalCount"],
        1
    );
}

#[tokio::test]
async fn a_repeated_request_id_returns_the_customer_without_the_password() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let agent = world.user("provider_admin_agent").bearer();
    let key = [("MS-RequestId", "create-customer-1")];
    let first = app
        .api_with(
            Method::POST,
            "/v1/customers",
            &agent,
            &key,
            Some(body("onceonly", "Once Only", "FR", None)),
        )
        .await;
    let second = app
        .api_with(
            Method::POST,
            "/v1/customers",
            &agent,
            &key,
            Some(body("onceonly", "Once Only", "FR", None)),
        )
        .await;
    assert_eq!(
        (first.status, second.status),
        (StatusCode::CREATED, StatusCode::CREATED)
    );
    assert_eq!(first.json()["id"], second.json()["id"]);
    assert!(second.json().get("userCredentials").is_none());
    assert_eq!(second.json()["credential"], "already_issued");
    assert_eq!(
        app.api(Method::GET, "/v1/customers", &agent, None)
            .await
            .json()["totalCount"],
        1
    );
}

#[tokio::test]
async fn billing_profile_updates_need_the_current_etag() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let c = create(&app, &world, "etagco", "Etag Co", None).await;
    let id = c["id"].as_str().unwrap();
    let helpdesk = world.user("provider_helpdesk_agent").bearer();
    let path = format!("/v1/customers/{id}/profiles/billing");
    let profile = app.api(Method::GET, &path, &helpdesk, None).await.json();
    let etag = profile["attributes"]["etag"].as_str().unwrap().to_owned();
    let mut changed = profile.clone();
    changed["email"] = json!("billing@etagco.test");
    changed["defaultAddress"]["city"] = json!("Lyon");
    let r = app
        .api_with(
            Method::PUT,
            &path,
            &helpdesk,
            &[("If-Match", &etag)],
            Some(changed.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["defaultAddress"]["city"], "Lyon");
    assert_ne!(r.json()["attributes"]["etag"].as_str().unwrap(), etag);
    let stale = app
        .api_with(
            Method::PUT,
            &path,
            &helpdesk,
            &[("If-Match", &etag)],
            Some(changed.clone()),
        )
        .await;
    assert_eq!(
        (stale.status, stale.json()["code"].clone()),
        (StatusCode::PRECONDITION_FAILED, json!(2055))
    );
    let mut moved = changed.clone();
    moved["defaultAddress"]["country"] = json!("DE");
    moved["attributes"]["etag"] = r.json()["attributes"]["etag"].clone();
    assert_eq!(
        app.api(Method::PUT, &path, &helpdesk, Some(moved))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let rec = app
        .audit_records()
        .await
        .into_iter()
        .find(|r| r.operation == "update_customer_billing_profile")
        .unwrap();
    assert!(rec.old_value.unwrap().contains("Paris") && rec.new_value.unwrap().contains("Lyon"));
    // Availability checks.
    let agent = world.user("provider_admin_agent").bearer();
    assert_eq!(
        app.api(
            Method::GET,
            "/v1/validations/checkdomainavailability/etagco",
            &agent,
            None
        )
        .await
        .json(),
        json!(false)
    );
    assert_eq!(
        app.api(
            Method::GET,
            "/v1/validations/checkdomainavailability/freeco",
            &agent,
            None
        )
        .await
        .json(),
        json!(true)
    );
    assert_eq!(
        app.api(
            Method::HEAD,
            "/v1/domains/etagco.onmicrosoft.example",
            &agent,
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.api(
            Method::HEAD,
            "/v1/domains/freeco.onmicrosoft.example",
            &agent,
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn customers_stay_when_the_partnership_ends_and_the_pages_show_them() {
    let app = TestApp::new().await;
    let world = app.world().await;
    app.partner(&world).await;
    let reseller_id = world.reseller.to_string();
    create(&app, &world, "staysco", "Stays Co", Some(&reseller_id)).await;
    let provider = world.user("provider_global_admin");
    let page = app.page("/resellers", &provider.session()).await.text();
    assert!(
        page.contains(&format!("href=\"/customers?reseller={reseller_id}\""))
            && page.contains(">1<span class=\"visually-hidden\"> customers of ")
    );
    let listed = app
        .page(
            &format!("/customers?reseller={reseller_id}"),
            &provider.session(),
        )
        .await
        .text();
    assert!(listed.contains("Stays Co") && listed.contains("Fabrikam IT"));
    let removed = app
        .api(
            Method::DELETE,
            &format!("/v1/relationships/{reseller_id}"),
            &provider.bearer(),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    // The customer, its association and the reseller's delegated access remain.
    let after = app
        .api(Method::GET, "/v1/customers", &provider.bearer(), None)
        .await
        .json();
    assert_eq!(after["items"][0]["associatedPartnerId"], reseller_id);
    let reseller = world.user("reseller_global_admin");
    assert_eq!(
        app.api(Method::GET, "/v1/customers", &reseller.bearer(), None)
            .await
            .json()["totalCount"],
        1
    );
    assert!(
        app.page("/customers", &reseller.session())
            .await
            .text()
            .contains("Stays Co")
    );
    // But the former reseller can no longer be named for a new customer.
    let r = app
        .api(
            Method::POST,
            "/v1/customers",
            &provider.bearer(),
            Some(body("newco", "New Co", "FR", Some(&reseller_id))),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let detail = app
        .page(
            &format!("/customers/{}", after["items"][0]["id"].as_str().unwrap()),
            &provider.session(),
        )
        .await;
    assert!(detail.text().contains("staysco.onmicrosoft.example"));
    // The former reseller stays in the list's filter, named as such, and still filters.
    let list = app.page("/customers", &provider.session()).await.text();
    assert!(
        list.contains(&format!(
            "<option value=\"{reseller_id}\">Fabrikam IT (former reseller)</option>"
        )),
        "{list}"
    );
    let filtered = app
        .page(
            &format!("/customers?reseller={reseller_id}"),
            &provider.session(),
        )
        .await
        .text();
    assert!(
        filtered.contains("Stays Co")
            && filtered.contains("indirect reseller Fabrikam IT (former reseller)"),
        "{filtered}"
    );
    assert_eq!(
        app.page("/customers", &Principal::Anonymous).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_billing_profile_form_saves_shows_errors_and_refuses_stale_changes() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let c = create(&app, &world, "formco", "Form Co", None).await;
    let id = c["id"].as_str().unwrap();
    let helpdesk = world.user("provider_helpdesk_agent");
    let page = app
        .page(&format!("/customers/{id}?tab=billing"), &helpdesk.session())
        .await
        .text();
    assert!(page.contains("name=\"etag\" value=\"1\""));
    // Culture and language are picked by name; the fields have their input types.
    assert!(
        page.contains("<select id=\"culture\" name=\"culture\"")
            && page.contains("<select id=\"language\" name=\"language\"")
            && page.contains("type=\"email\"")
            && page.contains("type=\"tel\""),
        "{page}"
    );
    let fields = |email: &'static str, city: &'static str, etag: &'static str| {
        vec![
            ("first_name", "Camille"),
            ("last_name", "Martin"),
            ("email", email),
            ("phone_number", ""),
            ("company_name", "Form Co"),
            ("address_line1", "1 rue de la Paix"),
            ("address_line2", ""),
            ("postal_code", "75001"),
            ("city", city),
            ("state", ""),
            ("culture", "fr-FR"),
            ("language", "fr"),
            ("etag", etag),
        ]
    };
    let bad = app
        .form(
            Method::POST,
            &format!("/customers/{id}/billing"),
            &helpdesk.session(),
            &fields("not-an-email", "Lyon", "1"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text().contains("id=\"email-error\"") && bad.text().contains("value=\"Lyon\""),
        "typed values stay"
    );
    let ok = app
        .form(
            Method::POST,
            &format!("/customers/{id}/billing"),
            &helpdesk.session(),
            &fields("ap@formco.test", "Lyon", "1"),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let stale = app
        .form(
            Method::POST,
            &format!("/customers/{id}/billing"),
            &helpdesk.session(),
            &fields("other@formco.test", "Nice", "1"),
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        stale
            .text()
            .contains("Someone changed this billing profile")
    );
    let now = app
        .api(
            Method::GET,
            &format!("/v1/customers/{id}/profiles/billing"),
            &helpdesk.bearer(),
            None,
        )
        .await
        .json();
    assert_eq!(
        (now["email"].clone(), now["defaultAddress"]["city"].clone()),
        (json!("ap@formco.test"), json!("Lyon"))
    );
    let saved = app
        .page(&format!("/customers/{id}?tab=billing"), &helpdesk.session())
        .await
        .text();
    assert!(
        saved.contains("<option value=\"fr-FR\" selected>French (France) (fr-FR)</option>")
            && saved.contains("<option value=\"fr\" selected>French (fr)</option>"),
        "the saved culture and language are the ones selected"
    );
    // A billing admin may not edit (nor see) customers.
    let r = app
        .form(
            Method::POST,
            &format!("/customers/{id}/billing"),
            &world.user("provider_billing_admin").session(),
            &fields("x@formco.test", "Nice", "2"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_provider_resets_the_customer_admins_password_and_sees_it_once() {
    let app = TestApp::new().await;
    let world = app.world().await;
    app.partner(&world).await;
    let reseller_id = world.reseller.to_string();
    let c = create(&app, &world, "resetco", "Reset Co", Some(&reseller_id)).await;
    let id = c["id"].as_str().unwrap();
    let first = c["userCredentials"]["password"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = "admin@resetco.onmicrosoft.example";
    let (admin_cookie, _) = app.sign_in(admin, &first).await;
    let path = format!("/customers/{id}/admin-password");
    let before = app.audit_records().await.len();
    // Only the provider: its reseller is told to ask, others do not see the customer, and a
    // role without on-behalf administration is refused.
    for (who, status) in [
        ("reseller_admin_agent", StatusCode::FORBIDDEN),
        ("other_reseller_global_admin", StatusCode::NOT_FOUND),
        ("provider_sales_agent", StatusCode::FORBIDDEN),
    ] {
        let r = app
            .form(Method::POST, &path, &world.user(who).session(), &[])
            .await;
        assert_eq!(r.status, status, "{who}: {}", r.text());
    }
    assert_eq!(
        app.audit_records().await.len(),
        before,
        "refusals change nothing"
    );
    let page = app
        .page(
            &format!("/customers/{id}?tab=account"),
            &world.user("provider_admin_agent").session(),
        )
        .await
        .text();
    assert!(
        page.contains("Reset the admin&#x27;s password")
            || page.contains("Reset the admin's password")
    );
    let r = app
        .form(
            Method::POST,
            &path,
            &world.user("provider_admin_agent").session(),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("will not be shown again") && r.text().contains(admin));
    let second = r.shown_secret();
    assert_eq!(second.chars().count(), 20);
    assert_ne!(second, first);
    // The old password and the admin's session end; the new one signs in (with a forced change).
    assert_ne!(app.login(admin, &first).await.status, StatusCode::SEE_OTHER);
    let old_session = Principal::Session {
        cookie: admin_cookie,
        csrf: String::new(),
    };
    let r = app.page("/password", &old_session).await;
    assert_eq!(
        r.header("location").as_deref(),
        Some("/login?next=%2Fpassword"),
        "the admin's session ended: {}",
        r.status
    );
    assert_eq!(
        app.login(admin, &second).await.status,
        StatusCode::SEE_OTHER
    );
    let records = app.audit_records().await;
    let reset = records
        .iter()
        .find(|r| r.operation == "reset_customer_user_password")
        .expect("audited");
    assert_eq!(
        reset
            .customer_id
            .as_ref()
            .map(twotier_domain::ids::TenantId::as_str),
        Some(id)
    );
    assert_eq!(reset.resource_type, "customer_user");
    assert!(records.iter().all(|r| {
        let text = format!("{:?}{:?}", r.old_value, r.new_value);
        !text.contains(&first) && !text.contains(&second)
    }));
}

#[tokio::test]
async fn the_wizard_checks_the_domain_prefix_as_it_is_typed() {
    let app = TestApp::new().await;
    let world = app.world().await;
    create(&app, &world, "takenco", "Taken Co", None).await;
    let agent = world.user("provider_admin_agent").session();
    let check = |prefix: &'static str| {
        let app = &app;
        let agent = agent.clone();
        async move {
            let r = app
                .page(&format!("/customers/domain-check?prefix={prefix}"), &agent)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            r.json()
        }
    };
    assert_eq!(check("freeco").await["available"], true);
    let taken = check("TakenCo").await;
    assert_eq!(taken["available"], false);
    assert_eq!(taken["message"], "takenco.onmicrosoft.example is taken");
    let bad = check("no-dash").await;
    assert_eq!(bad["available"], false);
    assert!(bad["message"].as_str().unwrap().contains("2 to 27"));
    // Only users who create customers may probe.
    let r = app
        .page(
            "/customers/domain-check?prefix=takenco",
            &world.user("provider_helpdesk_agent").session(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
