//! Partnerships: invitation links, acceptance and its refusals, both lists, removal, the
//! Partner Center relationship and validation APIs.

use http::{Method, StatusCode};
use serde_json::json;
use twotier_testkit::{Principal, TestApp, World};

/// Invites as the provider's Global admin and returns the token from the link.
async fn invite(app: &TestApp, world: &World) -> (String, String) {
    let r = app
        .api(
            Method::POST,
            "/v1/partnerships/invitations",
            &world.user("provider_global_admin").bearer(),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let body = r.json();
    let url = body["url"].as_str().unwrap().to_owned();
    assert!(
        body["emailBody"].as_str().unwrap().contains(&url),
        "the draft email holds the link"
    );
    let token = url.split("token=").nth(1).unwrap().to_owned();
    (body["id"].as_str().unwrap().to_owned(), token)
}

async fn accept(app: &TestApp, who: &Principal, token: &str) -> twotier_testkit::TestResponse {
    app.api(
        Method::POST,
        "/v1/partnerships/invitations/accept",
        who,
        Some(json!({ "Token": token })),
    )
    .await
}

async fn names(app: &TestApp, who: &Principal, kind: &str) -> Vec<String> {
    let r = app
        .api(
            Method::GET,
            &format!("/v1/relationships?relationship_type={kind}"),
            who,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn invite_accept_list_and_remove() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let provider = world.user("provider_admin_agent").bearer();
    let reseller = world.user("reseller_global_admin").bearer();
    let (_, token) = invite(&app, &world).await;
    // The token is stored only as a hash.
    let mut c = app.svc.db.read().await.unwrap();
    let stored = twotier_store::partnerships::list_invitations(&mut c.conn(), &world.provider, 10)
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|i| i.token_hash != token && i.token_hash.len() == 64)
    );
    drop(c);

    let r = accept(&app, &reseller, &token).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let rel = r.json();
    assert_eq!(rel["relationshipType"], "is_indirect_reseller_of");
    assert_eq!(rel["name"], "Contoso Distribution");
    assert_eq!(rel["attributes"]["objectType"], "PartnerRelationship");

    let list = app
        .api(
            Method::GET,
            "/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf",
            &provider,
            None,
        )
        .await
        .json();
    assert_eq!(list["totalCount"], 1);
    let item = &list["items"][0];
    assert_eq!(item["id"], world.reseller.to_string());
    assert_eq!(item["name"], "Fabrikam IT");
    assert_eq!(
        item["relationshipType"],
        "is_indirect_cloud_solution_provider_of"
    );
    assert_eq!(item["state"], "active");
    assert_eq!(item["mpnId"], "2000001");
    assert_eq!(item["location"], "FR");
    assert_eq!(
        names(&app, &reseller, "isIndirectResellerOf").await,
        ["Contoso Distribution"]
    );
    // The other side of the question is an empty list, not an error.
    assert!(
        names(&app, &provider, "IsIndirectResellerOf")
            .await
            .is_empty()
    );
    let filter = "%7B%22Field%22%3A%22Name%22%2C%22Value%22%3A%22fab%22%2C%22Operator%22%3A%22starts_with%22%7D";
    let filtered = app.api(Method::GET, &format!("/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf&filter={filter}"), &provider, None).await.json();
    assert_eq!(filtered["totalCount"], 1);
    let none = "%7B%22Field%22%3A%22Name%22%2C%22Value%22%3A%22zzz%22%2C%22Operator%22%3A%22StartsWith%22%7D";
    let empty = app.api(Method::GET, &format!("/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf&filter={none}"), &provider, None).await.json();
    assert_eq!(empty["totalCount"], 0);
    let bad = app
        .api(
            Method::GET,
            "/v1/relationships?relationship_type=friends",
            &provider,
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // The partners now see each other's directory record.
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/v1/partners/{}", world.provider),
            &reseller,
            None
        )
        .await
        .status,
        StatusCode::OK
    );

    let removed = app
        .api(
            Method::DELETE,
            &format!("/v1/relationships/{}", world.reseller),
            &provider,
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert!(
        names(&app, &provider, "IsIndirectCloudSolutionProviderOf")
            .await
            .is_empty()
    );
    assert!(
        names(&app, &reseller, "IsIndirectResellerOf")
            .await
            .is_empty()
    );
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/v1/partners/{}", world.provider),
            &reseller,
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let again = app
        .api(
            Method::DELETE,
            &format!("/v1/relationships/{}", world.reseller),
            &provider,
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    // A later invitation creates a new partnership.
    let (_, token) = invite(&app, &world).await;
    assert_eq!(
        accept(&app, &reseller, &token).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        names(&app, &provider, "IsIndirectCloudSolutionProviderOf").await,
        ["Fabrikam IT"]
    );

    let ops: Vec<_> = app
        .audit_records()
        .await
        .into_iter()
        .filter(|r| r.resource_type == "partner_relationship")
        .collect();
    assert_eq!(
        ops.iter().map(|r| r.operation.as_str()).collect::<Vec<_>>(),
        [
            "create_partner_relationship",
            "remove_partner_relationship",
            "create_partner_relationship"
        ]
    );
    assert_eq!(ops[0].tenant_id, world.reseller, "accepted by the reseller");
    assert_eq!(
        ops[0]
            .subject_tenant_id
            .as_ref()
            .map(twotier_domain::ids::TenantId::as_str),
        Some(world.provider.as_str())
    );
    assert_eq!(
        ops[0].actor_label,
        world.user("reseller_global_admin").email
    );
    assert_eq!(ops[1].tenant_id, world.provider, "removed by the provider");
    assert_eq!(
        ops[1]
            .subject_tenant_id
            .as_ref()
            .map(twotier_domain::ids::TenantId::as_str),
        Some(world.reseller.as_str())
    );
    // Both sides find these records in their audit log.
    let provider_log = app
        .api(
            Method::GET,
            "/v1/auditrecords?size=500",
            &world.user("provider_global_admin").bearer(),
            None,
        )
        .await
        .text();
    let reseller_log = app
        .api(Method::GET, "/v1/auditrecords?size=500", &reseller, None)
        .await
        .text();
    assert!(
        provider_log.contains("create_partner_relationship")
            && reseller_log.contains("remove_partner_relationship")
    );
    assert!(provider_log.contains("create_partnership_invitation"));
}

/// Every refusal changes nothing: the link stays pending and no partnership appears.
#[tokio::test]
async fn acceptance_refusals_are_clear_and_change_nothing() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (_, token) = invite(&app, &world).await;
    let cases: Vec<(Principal, u32, StatusCode)> = vec![
        (
            world.user("provider_global_admin").bearer(),
            2204,
            StatusCode::BAD_REQUEST,
        ),
        (
            world.user("other_reseller_global_admin").bearer(),
            2201,
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (who, code, status) in cases {
        let r = accept(&app, &who, &token).await;
        assert_eq!(
            (r.status, r.json()["code"].as_u64().unwrap()),
            (status, u64::from(code)),
            "{}",
            r.text()
        );
    }
    // Not a Global admin: the route refuses before anything is read.
    assert_eq!(
        accept(&app, &world.user("reseller_admin_agent").bearer(), &token)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A reseller that has not accepted the partner agreement.
    let ops = world.user("operator_admin").bearer();
    let r = app.api(Method::POST, "/v1/partners", &ops, Some(json!({ "kind": "reseller", "name": "Late Signer", "mpnId": "7007007", "country": "ES", "adminEmail": "ga@late.test" }))).await;
    let late = twotier_domain::ids::TenantId::parse(r.json()["id"].as_str().unwrap()).unwrap();
    let late_ga = app
        .user(&world.operator, &late, "boss@late.test", &["global_admin"])
        .await;
    let r = accept(&app, &late_ga.bearer(), &token).await;
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (StatusCode::FORBIDDEN, json!(900_123))
    );
    // An unknown link.
    let r = accept(
        &app,
        &world.user("reseller_global_admin").bearer(),
        "tti_not-a-real-token",
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Nothing happened.
    let invitations = app
        .api(
            Method::GET,
            "/v1/partnerships/invitations",
            &world.user("provider_global_admin").bearer(),
            None,
        )
        .await
        .json();
    assert_eq!(invitations["items"][0]["state"], "pending");
    assert!(
        names(
            &app,
            &world.user("provider_global_admin").bearer(),
            "IsIndirectCloudSolutionProviderOf"
        )
        .await
        .is_empty()
    );

    // Used, revoked and expired links.
    let reseller = world.user("reseller_global_admin").bearer();
    assert_eq!(
        accept(&app, &reseller, &token).await.status,
        StatusCode::CREATED
    );
    let used = accept(&app, &reseller, &token).await;
    assert_eq!(
        (used.status, used.json()["code"].clone()),
        (StatusCode::GONE, json!(2301))
    );
    let (_, second) = invite(&app, &world).await;
    let existing = accept(&app, &reseller, &second).await;
    assert_eq!(
        (existing.status, existing.json()["code"].clone()),
        (StatusCode::CONFLICT, json!(2305)),
        "one active partnership per pair"
    );
    let (id, third) = invite(&app, &world).await;
    let revoke = app
        .api(
            Method::DELETE,
            &format!("/v1/partnerships/invitations/{id}"),
            &world.user("provider_sales_agent").bearer(),
            None,
        )
        .await;
    assert_eq!(revoke.status, StatusCode::OK, "{}", revoke.text());
    assert_eq!(revoke.json()["state"], "revoked");
    let revoked = accept(&app, &late_ga.bearer(), &third).await;
    assert_eq!(
        (revoked.status, revoked.json()["code"].clone()),
        (StatusCode::GONE, json!(2303))
    );
    let (_, fourth) = invite(&app, &world).await;
    app.clock.advance_hours(7 * 24 + 1);
    let expired = accept(&app, &late_ga.bearer(), &fourth).await;
    assert_eq!(
        (expired.status, expired.json()["code"].clone()),
        (StatusCode::GONE, json!(2302))
    );
}

#[tokio::test]
async fn two_concurrent_acceptances_of_one_link_create_one_partnership() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let ops = world.user("operator_admin").bearer();
    let r = app.api(Method::POST, "/v1/partners", &ops, Some(json!({ "kind": "reseller", "name": "Second Reseller", "mpnId": "2000002", "country": "IT", "adminEmail": "ga@second.test", "acceptAgreement": true }))).await;
    let second = twotier_domain::ids::TenantId::parse(r.json()["id"].as_str().unwrap()).unwrap();
    let second_ga = app
        .user(
            &world.operator,
            &second,
            "boss@second.test",
            &["global_admin"],
        )
        .await;
    for _ in 0..3 {
        let (_, token) = invite(&app, &world).await;
        let a = world.user("reseller_global_admin").bearer();
        let b = second_ga.bearer();
        let (ra, rb) = tokio::join!(accept(&app, &a, &token), accept(&app, &b, &token));
        let statuses = [ra.status, rb.status];
        let wins = statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count();
        // A winner from an earlier round gets 409 (already partnered) rather than 410.
        assert!(wins <= 1, "{statuses:?}");
        assert!(
            statuses
                .iter()
                .all(|s| [StatusCode::CREATED, StatusCode::GONE, StatusCode::CONFLICT].contains(s)),
            "{statuses:?}"
        );
    }
    let all = names(
        &app,
        &world.user("provider_global_admin").bearer(),
        "IsIndirectCloudSolutionProviderOf",
    )
    .await;
    assert_eq!(
        all.len(),
        2,
        "each reseller partnered exactly once: {all:?}"
    );
    let mut c = app.svc.db.read().await.unwrap();
    let invitations =
        twotier_store::partnerships::list_invitations(&mut c.conn(), &world.provider, 10)
            .await
            .unwrap();
    assert_eq!(
        invitations
            .iter()
            .filter(|i| i.state.as_str() == "accepted")
            .count(),
        2
    );
}

#[tokio::test]
async fn roles_and_cross_tenant_probes() {
    let app = TestApp::new().await;
    let world = app.world().await;
    // Billing admins and helpdesk agents cannot request a partnership.
    for key in [
        "provider_billing_admin",
        "provider_helpdesk_agent",
        "provider_no_role",
    ] {
        let r = app
            .api(
                Method::POST,
                "/v1/partnerships/invitations",
                &world.user(key).bearer(),
                Some(json!({})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{key}");
    }
    // The user management admin can.
    let r = app
        .api(
            Method::POST,
            "/v1/partnerships/invitations",
            &world.user("provider_user_management_admin").bearer(),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    // A reseller cannot invite.
    let r = app
        .api(
            Method::POST,
            "/v1/partnerships/invitations",
            &world.user("reseller_global_admin").bearer(),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (StatusCode::FORBIDDEN, json!(2306))
    );
    let too_long = app
        .api(
            Method::POST,
            "/v1/partnerships/invitations",
            &world.user("provider_global_admin").bearer(),
            Some(json!({ "expiresInDays": 91 })),
        )
        .await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);

    // Another provider sees none of this provider's partnerships or invitations.
    let (id, token) = invite(&app, &world).await;
    assert_eq!(
        accept(&app, &world.user("reseller_global_admin").bearer(), &token)
            .await
            .status,
        StatusCode::CREATED
    );
    let other = app
        .enroll(
            &world.operator,
            "provider",
            "Rival Distribution",
            "9000001",
            "DE",
        )
        .await;
    let rival = app
        .user(&world.operator, &other, "ga@rival.test", &["global_admin"])
        .await;
    let r = app
        .api(
            Method::DELETE,
            &format!("/v1/relationships/{}", world.reseller),
            &rival.bearer(),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .api(
            Method::DELETE,
            &format!("/v1/partnerships/invitations/{id}"),
            &rival.bearer(),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        names(&app, &rival.bearer(), "IsIndirectCloudSolutionProviderOf")
            .await
            .is_empty()
    );
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/v1/partners/{}", world.reseller),
            &rival.bearer(),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .api(
            Method::GET,
            "/v1/partnerships/invitations",
            &rival.bearer(),
            None,
        )
        .await
        .json();
    assert_eq!(r["totalCount"], 0);
}

#[tokio::test]
async fn mpn_profiles_agreement_status_and_partner_of_record() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let provider = world.user("provider_admin_agent").bearer();
    let own = app
        .api(Method::GET, "/v1/profiles/mpn", &provider, None)
        .await
        .json();
    assert_eq!(
        (
            own["mpnId"].clone(),
            own["profileType"].clone(),
            own["attributes"]["objectType"].clone()
        ),
        (json!("1000001"), json!("mpn_profile"), json!("MpnProfile"))
    );
    let other = app
        .api(
            Method::GET,
            "/v1/profiles/mpn?mpnId=2000001",
            &provider,
            None,
        )
        .await
        .json();
    assert_eq!(other["partnerName"], "Fabrikam IT");
    let unknown = app
        .api(
            Method::GET,
            "/v1/profiles/mpn?mpnId=999999999",
            &provider,
            None,
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.json()["code"].clone()),
        (StatusCode::NOT_FOUND, json!(600_019))
    );
    assert!(
        unknown.json()["description"]
            .as_str()
            .unwrap()
            .contains("999999999")
    );

    let status = |q: &str| {
        let q = q.to_owned();
        let p = provider.clone();
        let app = &app;
        async move {
            app.api(
                Method::GET,
                &format!("/v1/compliance/csp/agreementstatus?{q}"),
                &p,
                None,
            )
            .await
        }
    };
    assert_eq!(
        status("mpnId=2000001").await.json(),
        json!({ "isAgreementSigned": true })
    );
    assert_eq!(
        status(&format!("tenantId={}", world.reseller)).await.json()["isAgreementSigned"],
        true
    );
    for (q, code) in [
        ("", 2001),
        ("mpnId=12ab", 2000),
        ("tenantId=nope", 2000),
        ("mpnId=1&tenantId=x", 2000),
        ("mpnId=424242", 2200),
        ("mpnId=3000001", 2201),
        ("mpnId=1000001", 2204),
    ] {
        let r = status(q).await;
        assert_eq!(
            (r.status, r.json()["code"].clone()),
            (StatusCode::BAD_REQUEST, json!(code)),
            "{q}: {}",
            r.text()
        );
    }

    let (_, token) = invite(&app, &world).await;
    accept(&app, &world.user("reseller_global_admin").bearer(), &token).await;
    let r = app
        .api(
            Method::POST,
            "/v1/partners/validateresellers",
            &provider,
            Some(json!({ "partnerIds": ["2000001", "3000001", "1000001", "abc"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let results = r.json()["validationResults"].clone();
    assert_eq!(results[0]["isValidPartnerIdOnRecord"], true);
    for i in 1..4 {
        assert_eq!(results[i]["isValidPartnerIdOnRecord"], false);
        assert_eq!(results[i]["errorCode"], 900_400);
    }
    let r = app
        .api(
            Method::POST,
            "/v1/partners/validateresellers",
            &world.user("provider_helpdesk_agent").bearer(),
            Some(json!({ "partnerIds": ["2000001"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_pages_invite_accept_and_remove() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let provider = world.user("provider_global_admin");
    let page = app.page("/resellers", &provider.session()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Request a partnership"));
    let r = app
        .form(
            Method::POST,
            "/resellers/invitations",
            &provider.session(),
            &[("expires_in_days", "14")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("href=\"mailto:?subject=") && html.contains("Copy to clipboard"));
    let link = html
        .split("id=\"invitation-link\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    let path = link.trim_start_matches("http://127.0.0.1:8080");
    assert!(path.starts_with("/partnerships/accept?token="));
    // The outstanding invitation is listed, without its link.
    let listed = app.page("/resellers", &provider.session()).await.text();
    assert!(listed.contains("data-invitation-id") && !listed.contains(&link));

    // Signed out, the page names the provider and asks to sign in (and come back).
    let anon = app.page(path, &Principal::Anonymous).await;
    assert_eq!(anon.status, StatusCode::OK);
    assert!(
        anon.text().contains("Contoso Distribution")
            && anon.text().contains("/login?next=%2Fpartnerships%2Faccept")
    );
    // A reseller user who is not a Global admin gets a clear refusal.
    let agent = app
        .page(path, &world.user("reseller_admin_agent").session())
        .await;
    assert_eq!(agent.status, StatusCode::FORBIDDEN);
    assert!(agent.text().contains("only a Global admin"));
    let reseller = world.user("reseller_global_admin");
    let ready = app.page(path, &reseller.session()).await;
    assert!(
        ready.text().contains("Authorize indirect provider")
            && ready.text().contains("name=\"consent\"")
    );
    let token = path.split("token=").nth(1).unwrap();
    let no_consent = app
        .form(
            Method::POST,
            "/partnerships/accept",
            &reseller.session(),
            &[("token", token)],
        )
        .await;
    assert_eq!(no_consent.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = app
        .form(
            Method::POST,
            "/partnerships/accept",
            &reseller.session(),
            &[("token", token), ("consent", "on")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let mine = app
        .page("/indirect-providers", &reseller.session())
        .await
        .text();
    assert!(mine.contains("Contoso Distribution"));
    let used = app.page(path, &reseller.session()).await;
    assert_eq!(used.status, StatusCode::GONE);
    assert!(used.text().contains("already used"));

    let theirs = app.page("/resellers", &provider.session()).await.text();
    assert!(
        theirs.contains("Fabrikam IT")
            && theirs.contains(&format!("/resellers/{}/remove", world.reseller))
    );
    let confirm = app
        .page(
            &format!("/resellers/{}/remove", world.reseller),
            &provider.session(),
        )
        .await;
    assert!(confirm.text().contains("good faith") && confirm.text().contains("sends no message"));
    // "Yes, remove" clicked twice: one removal, and both show its success.
    let key = confirm.request_key();
    for _ in 0..2 {
        let removed = app
            .form(
                Method::POST,
                &format!("/resellers/{}/remove", world.reseller),
                &provider.session(),
                &[("request_key", &key)],
            )
            .await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.text());
        assert_eq!(
            removed.header("location").as_deref(),
            Some("/resellers?done=partnership-removed")
        );
    }
    assert!(
        !app.page("/resellers", &provider.session())
            .await
            .text()
            .contains("Fabrikam IT")
    );
    assert!(
        !app.page("/indirect-providers", &reseller.session())
            .await
            .text()
            .contains("Contoso Distribution")
    );
    // Pages of the other kind of partner are not there.
    assert_eq!(
        app.page("/resellers", &reseller.session()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.page("/indirect-providers", &provider.session())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// Sending the invitation form again (a reload, Back then submit, a double click) makes no
/// second live link: it shows the same link again for a few seconds, then says it was
/// shown, and one invitation is listed.
#[tokio::test]
async fn a_resent_invitation_form_makes_one_invitation() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let provider = world.user("provider_global_admin");
    let page = app.page("/resellers", &provider.session()).await.text();
    let key = page
        .split("name=\"request_key\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the form's key")
        .to_owned();
    let session = provider.session();
    let fields = [("expires_in_days", "14"), ("request_key", key.as_str())];
    let send = || app.form(Method::POST, "/resellers/invitations", &session, &fields);
    let first = send().await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert!(first.text().contains("id=\"invitation-link\""));
    let link = |text: &str| {
        text.split("id=\"invitation-link\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .map(str::to_owned)
    };
    // Sent again at once (a double-click whose first page the browser abandoned), the same
    // link is shown once more; seconds later the repeat finds it shown.
    let again = send().await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(link(&again.text()), link(&first.text()), "{}", again.text());
    app.clock.advance_millis(11_000);
    let late = send().await;
    assert_eq!(late.status, StatusCode::OK, "{}", late.text());
    assert!(
        late.text().contains("id=\"shown-once\"") && !late.text().contains("token="),
        "{}",
        late.text()
    );
    let listed = app.page("/resellers", &provider.session()).await.text();
    assert_eq!(listed.matches("data-invitation-id").count(), 1, "{listed}");
    // A new form (a new key) makes a new one.
    let fresh = app
        .form(
            Method::POST,
            "/resellers/invitations",
            &provider.session(),
            &[("expires_in_days", "14"), ("request_key", "another")],
        )
        .await;
    assert!(fresh.text().contains("id=\"invitation-link\""));
}

/// The partner names of a list page's rows, in order.
fn listed_partners(page: &str) -> Vec<String> {
    page.split("<tr data-partner-id=")
        .skip(1)
        .filter_map(|row| {
            let cell = row.split("<td>").nth(1)?;
            Some(cell.split('<').next()?.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_resellers_list_searches_name_or_mpn_id_sorts_counts_and_pages_both_ways() {
    use crate::customers::pager_link;
    let app = TestApp::new().await;
    let world = app.world().await;
    app.partner(&world).await;
    app.partnered_resellers(&world.provider, 30).await;
    let session = world.user("provider_global_admin").session();
    let small = app.page("/resellers?size=25", &session).await.text();
    let names = listed_partners(&small);
    assert_eq!(
        (names.len(), names[0].as_str(), names[24].as_str()),
        (25, "Aaa reseller 0000", "Aaa reseller 0024")
    );
    assert!(small.contains("31 partnerships") && pager_link(&small, "prev").is_none());
    let next = pager_link(&small, "next").expect("a next page");
    assert!(next.contains("size=25"), "the page size is kept: {next}");
    let second = app.page(&next, &session).await.text();
    assert_eq!(
        listed_partners(&second),
        [
            "Aaa reseller 0025",
            "Aaa reseller 0026",
            "Aaa reseller 0027",
            "Aaa reseller 0028",
            "Aaa reseller 0029",
            "Fabrikam IT"
        ]
    );
    assert!(pager_link(&second, "next").is_none());
    assert!(
        second.contains("<td>France</td>"),
        "countries by name: {second}"
    );
    let back = pager_link(&second, "prev").expect("a previous page");
    let back = app.page(&back, &session).await.text();
    assert_eq!(
        listed_partners(&back),
        listed_partners(&small),
        "Previous is page one"
    );
    assert!(pager_link(&back, "prev").is_none() && pager_link(&back, "next").is_some());
    // Sorting by name Z to A, and by when the partnership began (many began in the same
    // millisecond: the tenant id orders those, so paging by date skips and repeats none).
    let desc = app.page("/resellers?sort=name-desc", &session).await.text();
    assert_eq!(listed_partners(&desc)[0], "Fabrikam IT");
    assert!(desc.contains("aria-sort=\"descending\""), "{desc}");
    let oldest = app.page("/resellers?sort=oldest&size=25", &session).await;
    assert_eq!(oldest.status, StatusCode::OK);
    let newest = app
        .page("/resellers?sort=newest&size=25", &session)
        .await
        .text();
    let older = pager_link(&newest, "next").expect("a next page by date");
    let rest = app.page(&older, &session).await.text();
    assert_eq!(
        listed_partners(&newest).len() + listed_partners(&rest).len(),
        31,
        "every partner once, in date order"
    );
    // Search: part of a name, any case, or of an MPN ID; the search is shown and kept.
    let part = app.page("/resellers?q=SELLER+002", &session).await.text();
    assert_eq!(listed_partners(&part).len(), 10, "0020 to 0029");
    assert!(
        part.contains("10 partnerships (name or MPN ID contains “SELLER 002”)")
            && part.contains("value=\"SELLER 002\""),
        "{part}"
    );
    let mpn = app.page("/resellers?q=7100012", &session).await.text();
    assert_eq!(listed_partners(&mpn), ["Aaa reseller 0012"]);
    let wild = app.page("/resellers?q=%25", &session).await.text();
    assert!(
        wild.contains("No indirect resellers match"),
        "a wildcard is a character"
    );
    // A cursor that is not one starts the list again, on both backends.
    let odd = app
        .page("/resellers?sort=newest&after=abc&after_id=x", &session)
        .await;
    assert_eq!(odd.status, StatusCode::OK);
    assert_eq!(listed_partners(&odd.text()).len(), 31);
    // The reseller's list of its providers works the same way.
    let reseller = world.user("reseller_global_admin").session();
    let mine = app
        .page("/indirect-providers?q=contoso", &reseller)
        .await
        .text();
    assert_eq!(listed_partners(&mine), ["Contoso Distribution"]);
    let none = app
        .page("/indirect-providers?q=zzz", &reseller)
        .await
        .text();
    assert!(none.contains("No indirect providers match"), "{none}");
}
