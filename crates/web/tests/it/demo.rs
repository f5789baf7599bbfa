//! The demo world: made by the real use cases on a clock that starts months back, so it
//! has subscriptions in every state, support contacts on both sides and incentive history.

use twotier_core::{customers, demo, incentives, subscriptions};
use twotier_testkit::TestApp;

#[tokio::test]
async fn the_demo_has_history_in_every_state() {
    let app = TestApp::new().await;
    let sign_ins = demo::seed_if_empty(&app.svc)
        .await
        .unwrap()
        .expect("seeded");
    assert!(sign_ins.len() > 10);
    let actor = |email: &'static str| {
        let app = &app;
        async move {
            let (cookie, _) = app.sign_in(email, demo::DEMO_PASSWORD).await;
            twotier_core::auth::resolve_session(&app.svc, &cookie)
                .await
                .unwrap()
                .unwrap()
                .actor
        }
    };
    let contoso = actor("admin@contoso-distribution.example").await;
    let page = customers::list(
        &app.svc,
        &contoso,
        &customers::ListQuery {
            limit: 100,
            with_subscriptions: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let all: Vec<_> = page.subscriptions.values().flatten().collect();
    for status in ["active", "suspended", "deleted"] {
        assert!(
            all.iter().any(|s| s.status.as_str() == status),
            "a {status} subscription"
        );
    }
    assert!(all.iter().any(|s| s.upgraded_to.is_some()), "an upgrade");
    let designated = all.iter().filter(|s| s.support_tenant_id.is_some()).count();
    assert_eq!(
        designated, 1,
        "one subscription has Fabrikam as support contact"
    );

    // Months of incentives for Fabrikam, seen by both sides.
    let september = incentives::report(&app.svc, &contoso, "2026-09", None)
        .await
        .unwrap();
    assert!(
        september
            .lines
            .iter()
            .any(|l| l.reseller_name.starts_with("Fabrikam") && l.seat_days > 500.0)
    );
    let fabrikam = actor("admin@fabrikam-it.example").await;
    let own = incentives::report(&app.svc, &fabrikam, "2026-09", None)
        .await
        .unwrap();
    assert_eq!(
        own.lines,
        september
            .lines
            .iter()
            .filter(|l| l.reseller_name.starts_with("Fabrikam"))
            .cloned()
            .collect::<Vec<_>>()
    );
    // The reseller sees the support contact it was designated.
    let adventure = page
        .items
        .iter()
        .find(|c| c.company_profile.company_name == "Adventure Works")
        .unwrap();
    let id = twotier_domain::ids::TenantId::from_stored(adventure.id.clone());
    let standard = subscriptions::list(&app.svc, &fabrikam, &id, None, None)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.offer_id == "CNT-STANDARD")
        .unwrap();
    let contact = subscriptions::support_contact(&app.svc, &fabrikam, &id, &standard.id)
        .await
        .unwrap();
    assert!(contact.name.starts_with("Fabrikam"));
    assert_eq!(standard.quantity, 35);
    // On the customer page the reseller sees which subscriptions name it.
    let (cookie, csrf) = app
        .sign_in("admin@fabrikam-it.example", demo::DEMO_PASSWORD)
        .await;
    let html = app
        .page(
            &format!("/customers/{}", adventure.id),
            &twotier_testkit::Principal::Session { cookie, csrf },
        )
        .await
        .text();
    let row = html
        .split(&format!("data-subscription-id=\"{}\"", standard.id))
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .unwrap_or_default()
        .to_owned();
    assert!(
        row.contains("<span class=\"tag\">you</span>") && row.contains("<td>you</td>"),
        "{row}"
    );
}

#[tokio::test]
async fn the_demo_has_existing_customers_with_two_partners_licences_and_a_pending_request() {
    let app = TestApp::new().await;
    let sign_ins = demo::seed_if_empty(&app.svc)
        .await
        .unwrap()
        .expect("seeded");
    let admin_of = |org: &str| {
        sign_ins
            .iter()
            .find(|s| s.organisation == org)
            .map(|s| s.email.clone())
            .expect("a demo sign-in")
    };
    let session = |email: String| {
        let app = &app;
        async move {
            let (cookie, _) = app.sign_in(&email, demo::DEMO_PASSWORD).await;
            twotier_core::auth::resolve_session(&app.svc, &cookie)
                .await
                .unwrap()
                .unwrap()
                .actor
        }
    };
    let tailwind = session(admin_of("Tailwind Traders")).await;
    let partners =
        twotier_core::customer_relationships::partners(&app.svc, &tailwind, &tailwind.tenant_id)
            .await
            .unwrap();
    let names: Vec<&str> = partners.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Contoso Distribution", "Fabrikam IT Services"]);
    assert!(partners.iter().all(|p| p.delegated_admin));
    let seats = twotier_core::licences::seats(&app.svc, &tailwind, &tailwind.tenant_id)
        .await
        .unwrap();
    assert_eq!(
        seats
            .iter()
            .map(|s| (s.assigned, s.purchased))
            .collect::<Vec<_>>(),
        [(3, 5)]
    );
    let coho = session(admin_of("Coho Winery")).await;
    let pending = twotier_core::relationship_requests::pending_for_me(&app.svc, &coho)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].provider_name, "Contoso Distribution");
}
