//! Real browser tests: the server on a loopback port, Debian's Chromium driven headless.
//! Screenshots of every page visited go to target/screenshots/.

use std::path::PathBuf;

use twotier_core::RequestMeta;
use twotier_core::users::NewUserInput;
use twotier_testkit::TestApp;
use twotier_testkit::webdriver::Browser;

fn shot(name: &str) -> PathBuf {
    twotier_testkit::screenshot_dir().join(format!("{name}.png"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_forced_password_change_sign_out_and_a_failed_sign_in() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let created = twotier_core::users::create(
        &app.svc,
        &app.cli(&world.operator),
        &RequestMeta::default(),
        &world.provider,
        &NewUserInput {
            email: "browser@contoso.test".to_owned(),
            display_name: "Browser User".to_owned(),
            roles: vec!["admin_agent".to_owned()],
        },
    )
    .await
    .unwrap();
    let temp = created.temporary_password.unwrap();
    let base = app.serve().await;
    let Some(browser) = Browser::start().await else {
        return;
    };

    // A failed sign-in.
    browser.goto(&format!("{base}/login")).await;
    browser.screenshot(&shot("01-login")).await;
    browser.fill("#email", "browser@contoso.test").await;
    browser.fill("#password", "definitely wrong").await;
    browser.click("button[type=submit]").await;
    let text = browser
        .wait_for_text("The email or password is wrong")
        .await;
    assert!(text.contains("The email or password is wrong"), "{text}");
    browser.screenshot(&shot("02-failed-sign-in")).await;

    // Sign in with the temporary password: the password change comes first.
    browser.fill("#email", "browser@contoso.test").await;
    browser.fill("#password", &temp).await;
    browser.click("button[type=submit]").await;
    let url = browser.wait_for_url(|u| u.ends_with("/password")).await;
    assert!(url.ends_with("/password"), "{url}");
    assert!(browser.text().await.contains("temporary password"));
    browser.screenshot(&shot("03-forced-password-change")).await;
    browser.fill("#current_password", &temp).await;
    browser
        .fill("#new_password", "browser chosen passphrase")
        .await;
    browser
        .fill("#confirm_password", "browser chosen passphrase")
        .await;
    browser
        .click("form[action='/password'] button[type=submit]")
        .await;
    let url = browser.wait_for_url(|u| u.ends_with('/')).await;
    assert!(url.ends_with('/'), "{url}");
    let home = browser.wait_for_text("Welcome").await;
    assert!(
        home.contains("Welcome") && home.contains("Admin agent"),
        "{home}"
    );
    browser.screenshot(&shot("04-home")).await;

    // Sign out, then the home page asks to sign in again.
    browser.click("form[action='/logout'] button").await;
    assert!(
        browser
            .wait_for_url(|u| u.ends_with("/login"))
            .await
            .ends_with("/login")
    );
    browser.screenshot(&shot("05-signed-out")).await;
    browser.goto(&format!("{base}/")).await;
    assert!(
        browser
            .wait_for_url(|u| u.contains("/login"))
            .await
            .contains("/login")
    );

    // The new password works; the temporary one does not.
    browser.fill("#email", "browser@contoso.test").await;
    browser.fill("#password", &temp).await;
    browser.click("button[type=submit]").await;
    assert!(
        browser
            .wait_for_text("The email or password is wrong")
            .await
            .contains("The email or password is wrong")
    );
    browser.fill("#email", "browser@contoso.test").await;
    browser.fill("#password", "browser chosen passphrase").await;
    browser.click("button[type=submit]").await;
    assert!(browser.wait_for_text("Welcome").await.contains("Welcome"));
    browser.goto(&format!("{base}/account")).await;
    browser.screenshot(&shot("06-account")).await;
    browser.goto(&format!("{base}/providers")).await;
    browser.screenshot(&shot("07-providers")).await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_console_in_a_browser() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let base = app.serve().await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    browser.goto(&format!("{base}/login")).await;
    browser
        .fill("#email", &world.user("operator_admin").email)
        .await;
    browser
        .fill("#password", twotier_testkit::app::PASSWORD)
        .await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("Welcome").await;
    browser.goto(&format!("{base}/partners")).await;
    assert!(
        browser
            .wait_for_text("Contoso Distribution")
            .await
            .contains("Contoso Distribution")
    );
    browser.screenshot(&shot("10-partners")).await;
    browser.goto(&format!("{base}/partners/new")).await;
    browser.click("input[value=reseller]").await;
    browser.fill("#name", "Browser Reseller").await;
    browser.fill("#mpn_id", "6543210").await;
    browser
        .fill("#admin_email", "ga@browser-reseller.test")
        .await;
    // No country chosen: the error appears next to the field and what was typed stays.
    browser
        .click("form[action='/partners'] button[type=submit]")
        .await;
    let text = browser
        .wait_for_text("enter a two-letter ISO country code")
        .await;
    assert!(
        text.contains("enter a two-letter ISO country code"),
        "{text}"
    );
    browser.screenshot(&shot("11-enrol-error")).await;
    browser.click("#country option[value=FR]").await;
    browser
        .click("form[action='/partners'] button[type=submit]")
        .await;
    let text = browser.wait_for_text("Browser Reseller is enrolled").await;
    assert!(
        text.contains("Browser Reseller is enrolled") && text.contains("will not be shown again"),
        "{text}"
    );
    browser.screenshot(&shot("12-enrolled")).await;
    browser.goto(&format!("{base}/audit")).await;
    assert!(
        browser
            .wait_for_text("enroll_partner")
            .await
            .contains("enroll_partner")
    );
    browser.screenshot(&shot("13-audit")).await;
    browser.quit().await;
}

async fn sign_in(browser: &Browser, base: &str, email: &str) {
    browser.goto(&format!("{base}/login")).await;
    browser.fill("#email", email).await;
    browser
        .fill("#password", twotier_testkit::app::PASSWORD)
        .await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("Welcome").await;
}

async fn sign_out(browser: &Browser) {
    browser.click("form[action='/logout'] button").await;
    browser.wait_for_url(|u| u.ends_with("/login")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partnership_from_invitation_to_removal() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let base = app.serve().await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let provider = world.user("provider_global_admin").email.clone();
    let reseller = world.user("reseller_global_admin").email.clone();

    // The provider requests a partnership and copies the link.
    sign_in(&browser, &base, &provider).await;
    browser.goto(&format!("{base}/resellers")).await;
    browser.screenshot(&shot("20-resellers-empty")).await;
    browser
        .click("form[action='/resellers/invitations'] button[type=submit]")
        .await;
    let text = browser.wait_for_text("Open in email").await;
    browser.screenshot(&shot("21-request-a-partnership")).await;
    let link = browser.element_text("#invitation-link").await;
    assert!(
        link.contains("/partnerships/accept?token=tti_") && text.contains(&link),
        "the draft email holds the link: {text}"
    );
    // The server writes links with its configured base URL; the test server listens elsewhere.
    let path = link
        .split_once("/partnerships/")
        .map(|(_, rest)| format!("/partnerships/{rest}"))
        .unwrap();
    sign_out(&browser).await;

    // The reseller's Global admin opens it, signs in, and accepts.
    browser.goto(&format!("{base}{path}")).await;
    assert!(
        browser
            .wait_for_text("Contoso Distribution")
            .await
            .contains("asks to become your indirect provider")
    );
    browser.screenshot(&shot("22-invitation-signed-out")).await;
    browser.click("#sign-in-to-accept").await;
    browser.wait_for_url(|u| u.contains("/login")).await;
    browser.fill("#email", &reseller).await;
    browser
        .fill("#password", twotier_testkit::app::PASSWORD)
        .await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("I am a Global admin").await;
    browser.screenshot(&shot("23-invitation-consent")).await;
    browser.click("#consent").await;
    browser.click("#authorize").await;
    let text = browser.wait_for_text("The partnership is active").await;
    assert!(text.contains("Contoso Distribution"), "{text}");
    browser.screenshot(&shot("24-indirect-providers")).await;
    sign_out(&browser).await;

    // The provider creates a customer for the reseller.
    let created = app
        .api(
            http::Method::POST,
            "/v1/customers",
            &world.user("provider_global_admin").bearer(),
            Some(serde_json::json!({
                "companyProfile": { "domain": "browserco" },
                "billingProfile": { "email": "it@browserco.test", "culture": "fr-FR", "language": "fr", "companyName": "Browser Co",
                    "defaultAddress": { "addressLine1": "2 rue Neuve", "city": "Lille", "postalCode": "59000", "country": "FR",
                                        "firstName": "Lou", "lastName": "Petit", "phoneNumber": "" } },
                "associatedPartnerId": world.reseller.to_string(),
            })),
        )
        .await;
    assert_eq!(
        created.status,
        http::StatusCode::CREATED,
        "{}",
        created.text()
    );

    // The provider sees the reseller, and removes the partnership after confirming.
    sign_in(&browser, &base, &provider).await;
    browser.goto(&format!("{base}/resellers")).await;
    assert!(
        browser
            .wait_for_text("Fabrikam IT")
            .await
            .contains("Fabrikam IT")
    );
    browser.screenshot(&shot("25-resellers")).await;
    browser
        .click(&format!("a[href='/resellers/{}/remove']", world.reseller))
        .await;
    assert!(
        browser
            .wait_for_text("good faith")
            .await
            .contains("twotier sends no message")
    );
    browser.screenshot(&shot("26-remove-confirmation")).await;
    // A double click removes once and shows the removal.
    double_click(&browser, "form[action$='/remove'] button[type=submit]").await;
    let text = browser.wait_for_text("The partnership was removed").await;
    assert!(!text.contains("Fabrikam IT"), "{text}");
    // Its associated customer remains.
    browser.goto(&format!("{base}/customers")).await;
    let text = browser.wait_for_text("Browser Co").await;
    assert!(
        text.contains("Fabrikam IT"),
        "the customer stays associated with its reseller: {text}"
    );
    browser
        .screenshot(&shot("28-customers-after-removal"))
        .await;
    sign_out(&browser).await;

    // Gone from the reseller's list too.
    sign_in(&browser, &base, &reseller).await;
    browser.goto(&format!("{base}/indirect-providers")).await;
    let text = browser.wait_for_text("No indirect providers yet").await;
    assert!(!text.contains("Contoso Distribution"), "{text}");
    browser
        .screenshot(&shot("27-indirect-providers-after-removal"))
        .await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_new_customer_wizard_from_a_resellers_row() {
    let app = TestApp::new().await;
    let world = app.world().await;
    app.import_demo_catalog(&world).await;
    app.partner(&world).await;
    let base = app.serve().await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let count = || async {
        app.api(
            http::Method::GET,
            "/v1/customers",
            &world.user("provider_global_admin").bearer(),
            None,
        )
        .await
        .json()["totalCount"]
            .clone()
    };
    sign_in(&browser, &base, &world.user("provider_admin_agent").email).await;

    // Cancel discards everything.
    browser.goto(&format!("{base}/resellers")).await;
    browser
        .click(&format!(
            "a[href='/customers/new?reseller={}']",
            world.reseller
        ))
        .await;
    browser.wait_for_text("Customer details").await;
    browser.fill("#company_name", "Cancelled Co").await;
    browser.click("#cancel").await;
    browser.wait_for_url(|u| u.ends_with("/customers")).await;
    assert_eq!(count().await, 0);

    // The whole way, from the reseller's row.
    browser.goto(&format!("{base}/resellers")).await;
    browser
        .click(&format!(
            "a[href='/customers/new?reseller={}']",
            world.reseller
        ))
        .await;
    browser.wait_for_text("Customer details").await;
    // The domain prefix is checked as it is typed.
    browser.fill("#domain", "x").await;
    assert!(
        browser.wait_for_text("2 to 27").await.contains("2 to 27"),
        "a too-short prefix is explained as it is typed"
    );
    browser.fill("#domain", "browserwizard").await;
    browser
        .wait_for_text("browserwizard.onmicrosoft.example is available")
        .await;
    for (field, value) in [
        ("#company_name", "Browser Wizard Co"),
        ("#domain", "browserwizard"),
        ("#first_name", "Eli"),
        ("#last_name", "Roche"),
        ("#email", "it@browserwizard.test"),
        ("#address_line1", "4 place Verte"),
        ("#postal_code", "13001"),
        ("#city", "Marseille"),
    ] {
        browser.fill(field, value).await;
    }
    browser.click("#country option[value=FR]").await;
    browser.screenshot(&shot("30-wizard-details")).await;
    browser.click("#next").await;
    browser.wait_for_text("a licence count for each").await;
    // Each step is a page of its own, reached through a redirect: Reload asks nothing.
    assert!(browser.came_through_redirect().await);
    assert!(
        !browser.reload().await,
        "Reload of a wizard step asked to post"
    );
    browser.wait_for_text("a licence count for each").await;
    browser.fill("#qty-CNT-STANDARD", "20").await;
    browser.screenshot(&shot("31-wizard-subscriptions")).await;
    browser.click("#next").await;
    // Wait for text only the review page has (the subscriptions page lists the offer too).
    browser.wait_for_text("20 licences").await;
    // Back shows the subscriptions step with what was typed; Next again leads to the review.
    browser.back().await;
    browser.wait_for_text("a licence count for each").await;
    assert_eq!(
        browser
            .execute(
                "return document.querySelector('#qty-CNT-STANDARD').value;",
                serde_json::json!([])
            )
            .await,
        serde_json::json!("20")
    );
    browser.click("#next").await;
    let review = browser.wait_for_text("20 licences").await;
    assert!(
        review.contains("Fabrikam IT") && review.contains("20 licences"),
        "{review}"
    );
    browser.screenshot(&shot("32-wizard-review")).await;
    double_click(&browser, "#submit").await;
    let confirmation = browser.wait_for_text("will not be shown again").await;
    assert!(
        confirmation.contains("admin@browserwizard.onmicrosoft.example"),
        "{confirmation}"
    );
    let password = browser.element_text("#secret-value").await;
    assert_eq!(password.chars().count(), 20);
    browser.screenshot(&shot("33-wizard-confirmation")).await;
    // The password page was reached through a redirect, so Reload asks nothing, posts
    // nothing and does not show the password again.
    assert!(browser.came_through_redirect().await);
    assert!(
        !browser.reload().await,
        "Reload asked to send the form again"
    );
    browser.wait_for_text("shown once").await;
    assert!(!browser.text().await.contains(&password));
    browser.screenshot(&shot("33-wizard-shown-once")).await;
    // Nor does going back (a page Back takes from the browser's cache asks again).
    browser.back().await;
    let mut shown_again = true;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        shown_again = browser.text().await.contains(&password);
        if !shown_again {
            break;
        }
    }
    assert!(!shown_again, "Back showed the password again");
    browser.goto(&format!("{base}/customers")).await;
    let list = browser.wait_for_text("Browser Wizard Co").await;
    assert!(
        list.contains("Fabrikam IT") && !list.contains(&password),
        "{list}"
    );
    browser.screenshot(&shot("34-customers")).await;
    assert_eq!(count().await, 1);
    browser.quit().await;
}

/// Clicks a button twice, 60 ms apart, as an impatient double click does: the first
/// request is usually in flight when the second is sent. A page the first one left has no
/// second click (a page the browser caches would otherwise fire it when Back restores it).
async fn double_click(browser: &Browser, css: &str) {
    browser
        .execute(
            "const b = document.querySelector(arguments[0]);
             b.click();
             const second = setTimeout(() => { try { b.click(); } catch (_) {} }, 60);
             addEventListener('pagehide', () => clearTimeout(second));",
            serde_json::json!([css]),
        )
        .await;
}

/// axe-core finds nothing serious and the page fits, at 1,400 px and at 390 px, each
/// screenshotted; the window is left at desktop width.
async fn checked_at_both_widths(browser: &Browser, shot_name: &str) {
    for (width, height, name) in [(1400, 900, "desktop"), (390, 844, "phone")] {
        browser.resize(width, height).await;
        let check = browser.check_page().await;
        assert!(
            check.violations.is_empty(),
            "{shot_name} at {width} px: {:?}",
            check.violations
        );
        assert!(
            check.overflow_px <= 0,
            "{shot_name} at {width} px: {:?}",
            check.too_wide
        );
        browser
            .screenshot(&shot(&format!("{shot_name}-{name}")))
            .await;
    }
    browser.resize(1400, 900).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_subscription_search_review_and_submit_once() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, _basic, _mail) = crate::subscriptions::setup(&app, &world).await;
    let base = app.serve().await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let orders = || async {
        app.api(
            http::Method::GET,
            &format!("/v1/customers/{customer}/orders"),
            &world.user("provider_global_admin").bearer(),
            None,
        )
        .await
        .json()["totalCount"]
            .as_i64()
            .unwrap_or_default()
    };
    let before = orders().await;
    sign_in(&browser, &base, &world.user("provider_admin_agent").email).await;
    browser.goto(&format!("{base}/customers/{customer}")).await;
    browser.click("nav.tabs a[href$='/orders/new']").await;
    browser.wait_for_text("Offer name contains").await;
    // Search by part of a name; a count typed before the search is kept.
    browser.fill("#qty-MAIL-ARCHIVE", "4").await;
    browser.fill("#q", "room").await;
    browser.click("#search").await;
    browser.wait_for_text("offers match").await;
    assert!(browser.url().await.contains("q=room"));
    browser.fill("#qty-MTG-ROOM", "2").await;
    browser.click("#billing_cycle option[value='annual']").await;
    checked_at_both_widths(&browser, "36-add-subscription").await;
    browser.click("#review").await;
    let review = browser.wait_for_text("Review the order").await;
    assert!(
        review.contains("2 subscriptions, 6 licences") && review.contains("Fabrikam IT"),
        "{review}"
    );
    assert_eq!(orders().await, before, "a review orders nothing");
    assert!(
        !browser.reload().await,
        "Reload of the review asked to post"
    );
    checked_at_both_widths(&browser, "37-order-review").await;
    // Change the order: back to the offers with everything kept.
    browser.click("a[href*='/orders/new?']").await;
    browser.wait_for_text("Offer name contains").await;
    assert_eq!(
        browser
            .execute(
                "return document.querySelector('#qty-MTG-ROOM').value;",
                serde_json::json!([])
            )
            .await,
        "2"
    );
    browser.click("#review").await;
    browser.wait_for_text("Review the order").await;
    double_click(&browser, "#submit-order").await;
    let done = browser.wait_for_text("The order was placed").await;
    assert!(browser.url().await.contains("tab=orders"), "{done}");
    assert_eq!(orders().await, before + 1, "a double click orders once");
    assert!(
        !browser.reload().await,
        "Reload after the order asked to post"
    );
    browser.back().await;
    browser.wait_for_text("Review the order").await;
    assert_eq!(orders().await, before + 1, "Back orders nothing");
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscription_changes_in_a_browser() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, basic, mail) = crate::subscriptions::setup(&app, &world).await;
    let base = app.serve().await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let page = |sub: &serde_json::Value| {
        format!(
            "{base}/customers/{customer}/subscriptions/{}",
            sub["id"].as_str().unwrap()
        )
    };
    // Confirms, then waits for the result page. The confirm page is a GET and the result is
    // reached through a redirect, so Reload on either asks nothing and posts nothing.
    let confirm = |done: &'static str| {
        let browser = &browser;
        async move {
            browser.wait_for_text("Confirm").await;
            assert!(
                !browser.reload().await,
                "Reload of the confirm page asked to post"
            );
            browser.wait_for_text("Confirm").await;
            // A double click changes once and shows the change.
            double_click(browser, "#confirm").await;
            let text = browser.wait_for_text(done).await;
            assert!(browser.came_through_redirect().await, "{text}");
            assert!(
                !browser.reload().await,
                "Reload after the change asked to post"
            );
            browser.wait_for_text(done).await
        }
    };
    sign_in(&browser, &base, &world.user("provider_admin_agent").email).await;

    // Quantity.
    browser.goto(&page(&mail)).await;
    browser.fill("#new-quantity", "12").await;
    browser.click("#change-quantity").await;
    let what = browser.wait_for_text("from 10 to 12").await;
    assert!(what.contains("Change the licence count"), "{what}");
    browser.screenshot(&shot("40-subscription-confirm")).await;
    confirm("The licence count was changed").await;
    assert_eq!(browser.element_text("#quantity").await, "12 Licenses");

    // The reseller of record, chosen from the provider's resellers by name.
    browser.click("#partner_id option[value='2000001']").await;
    browser.click("#save-partner").await;
    browser.wait_for_text("Fabrikam").await;
    confirm("The reseller of record was changed").await;
    assert_eq!(
        browser.element_text("#partner-id").await,
        "Fabrikam IT, MPN ID 2000001"
    );

    // The reseller as designated support contact.
    browser
        .click(&format!(
            "#support_tenant_id option[value='{}']",
            world.reseller
        ))
        .await;
    browser.click("#save-support").await;
    confirm("The support contact was designated").await;
    assert!(
        browser
            .element_text("#support-contact")
            .await
            .contains("Fabrikam")
    );
    browser.screenshot(&shot("41-subscription")).await;
    browser
        .execute(
            "document.querySelector('#partner_id').scrollIntoView();",
            serde_json::json!([]),
        )
        .await;
    browser
        .screenshot(&shot("41-subscription-reseller-of-record"))
        .await;

    // Suspend and reactivate.
    browser.click("#suspend").await;
    confirm("The subscription is suspended").await;
    browser.click("#reactivate").await;
    confirm("The subscription is active again").await;

    // Upgrade: the licences move to a new subscription, which the page then shows.
    browser.goto(&page(&basic)).await;
    browser.click("#upgrade").await;
    browser.wait_for_text("Upgrade").await;
    let upgraded = confirm("The subscription was upgraded").await;
    assert!(upgraded.contains("Upgraded from"), "{upgraded}");
    let upgraded_url = browser.url().await;

    // Cancel inside the window, and refused outside it.
    browser.goto(&page(&mail)).await;
    browser.click("#cancel-subscription").await;
    confirm("The subscription is cancelled").await;
    // Eight days later (a new sign-in: the session has long expired).
    app.clock.advance_hours(8 * 24);
    sign_in(&browser, &base, &world.user("provider_admin_agent").email).await;
    let subs = app
        .api(
            http::Method::GET,
            &format!("/v1/customers/{customer}/subscriptions"),
            &world.user("provider_admin_agent").bearer(),
            None,
        )
        .await
        .json();
    let archive = subs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["offerId"] == "MAIL-ARCHIVE")
        .unwrap()
        .clone();
    browser.goto(&page(&archive)).await;
    browser.click("#cancel-subscription").await;
    // Refused before any confirmation: the change is checked when it is asked for.
    let refused = browser.wait_for_text("cancellation window").await;
    assert!(!refused.contains("Confirm:"), "{refused}");
    assert_eq!(browser.element_text("#status").await, "Active");
    browser.screenshot(&shot("42-subscription-refused")).await;
    sign_out(&browser).await;

    // The reseller's Admin agent changes the quantity on the customer's behalf, and cannot
    // open another customer's subscription.
    sign_in(&browser, &base, &world.user("reseller_admin_agent").email).await;
    browser.goto(&upgraded_url).await;
    browser.fill("#new-quantity", "14").await;
    browser.click("#change-quantity").await;
    confirm("The licence count was changed").await;
    assert_eq!(browser.element_text("#quantity").await, "14 Licenses");
    let text = browser.text().await;
    assert!(!text.contains("Cancel subscription") && !text.contains("Save reseller"));
    let direct = app
        .api(
            http::Method::POST,
            "/v1/customers",
            &world.user("provider_admin_agent").bearer(),
            Some(serde_json::json!({
                "companyProfile": { "domain": "notyours" },
                "billingProfile": { "email": "it@notyours.test", "culture": "fr-FR", "language": "fr", "companyName": "Not Yours",
                    "defaultAddress": { "addressLine1": "1 rue", "city": "Lyon", "postalCode": "69001", "country": "FR", "firstName": "A", "lastName": "B" } },
            })),
        )
        .await
        .json();
    browser
        .goto(&format!(
            "{base}/customers/{}/subscriptions/{}",
            direct["id"].as_str().unwrap(),
            basic["id"].as_str().unwrap()
        ))
        .await;
    browser.wait_for_text("Not found").await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_customer_from_request_to_ended_relationship() {
    let app = TestApp::new().await;
    let world = app.world().await;
    app.import_demo_catalog(&world).await;
    app.partner(&world).await;
    let (customer, admin) = app.existing_customer(&world, "acme", "FR").await;
    let base = app.serve().await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let provider = &world.user("provider_admin_agent").email;
    let reseller = &world.user("reseller_admin_agent").email;

    // The provider requests a relationship naming the reseller, with delegated admin access.
    sign_in(&browser, &base, provider).await;
    browser.goto(&format!("{base}/customers")).await;
    browser.click("#relationship-requests").await;
    browser.wait_for_text("Relationship requests").await;
    browser
        .click(&format!(
            "#indirect_reseller_id option[value='{}']",
            world.reseller
        ))
        .await;
    browser.click("#create-request").await;
    browser.wait_for_text("It is shown only now").await;
    let link = browser.element_text("#invitation-link").await;
    assert!(
        link.contains("/customer-relationships/accept?token="),
        "{link}"
    );
    browser.screenshot(&shot("50-relationship-request")).await;
    sign_out(&browser).await;

    // The customer's Global admin opens the link, signs in, and accepts. (The server writes
    // links with its configured base URL; the test server listens elsewhere.)
    let path = link
        .split_once("/customer-relationships/")
        .map(|(_, rest)| format!("/customer-relationships/{rest}"))
        .unwrap();
    browser.goto(&format!("{base}{path}")).await;
    browser.wait_for_text("Sign in as a Global admin").await;
    browser.click("#sign-in-to-accept").await;
    browser.fill("#email", &admin.email).await;
    browser
        .fill("#password", twotier_testkit::app::PASSWORD)
        .await;
    browser.click("button[type=submit]").await;
    let page = browser.wait_for_text("Fabrikam IT").await;
    assert!(page.contains("Contoso Distribution"), "{page}");
    browser.click("#consent").await;
    double_click(&browser, "#accept-request").await;
    let partners = browser.wait_for_text("You accepted the request").await;
    assert!(partners.contains("Fabrikam IT") && partners.contains("Contoso Distribution"));
    browser.screenshot(&shot("51-customer-partners")).await;
    sign_out(&browser).await;

    // The provider sells a subscription of two licences.
    let order = serde_json::json!({ "lineItems": [{ "lineItemNumber": 0, "offerId": "CNT-BASIC", "quantity": 2 }] });
    let placed = app
        .api(
            http::Method::POST,
            &format!("/v1/customers/{customer}/orders"),
            &world.user("provider_admin_agent").bearer(),
            Some(order),
        )
        .await;
    assert_eq!(placed.status, http::StatusCode::CREATED);
    let sub = placed.json()["lineItems"][0]["subscriptionId"]
        .as_str()
        .unwrap()
        .to_owned();

    // The reseller creates a user in the customer and assigns a licence.
    sign_in(&browser, &base, reseller).await;
    browser
        .goto(&format!("{base}/customers/{customer}?tab=account"))
        .await;
    browser.click("#users-and-licences").await;
    browser.wait_for_text("Users and licences").await;
    browser
        .fill("#email", "new.user@acme.onmicrosoft.example")
        .await;
    browser.fill("#display_name", "New User").await;
    browser.click("#create-user").await;
    browser.wait_for_text("can now sign in").await;
    browser.click("a.button").await;
    browser.wait_for_text("Add a user").await;
    let row = "tr[data-user-email='new.user@acme.onmicrosoft.example']";
    browser.click(&format!("{row} input[value='{sub}']")).await;
    browser
        .click(&format!("{row} form[action$='/licences'] button"))
        .await;
    browser.wait_for_text("The licences were saved").await;
    assert_eq!(
        browser
            .element_text(&format!("tr[data-seats-subscription='{sub}'] .seats"))
            .await,
        "1 / 2"
    );
    browser.screenshot(&shot("52-users-and-licences")).await;
    sign_out(&browser).await;

    // The customer removes the reseller's admin access; the reseller's next attempt is refused.
    sign_in(&browser, &base, &admin.email).await;
    browser.goto(&format!("{base}/my/partners")).await;
    browser
        .click(&format!(
            "tr[data-partner-id='{}'] a[href$='/remove-admin']",
            world.reseller
        ))
        .await;
    browser.wait_for_text("It stays your partner").await;
    double_click(&browser, "#confirm-remove-admin").await;
    browser.wait_for_text("admin access was removed").await;
    sign_out(&browser).await;
    sign_in(&browser, &base, reseller).await;
    browser
        .goto(&format!("{base}/customers/{customer}/users"))
        .await;
    browser
        .wait_for_text("does not hold delegated admin access")
        .await;
    browser.screenshot(&shot("53-admin-access-refused")).await;
    browser.goto(&format!("{base}/")).await;
    sign_out(&browser).await;

    // The provider cannot end the relationship while the subscription is active; it can
    // after cancelling it.
    sign_in(&browser, &base, provider).await;
    browser
        .goto(&format!("{base}/customers/{customer}?tab=account"))
        .await;
    browser.click("#end-relationship-toggle").await;
    browser.click("#end-relationship").await;
    let refused = browser.wait_for_text("active subscription").await;
    assert!(refused.contains("cancel or suspend"), "{refused}");
    browser
        .goto(&format!("{base}/customers/{customer}/subscriptions/{sub}"))
        .await;
    browser.click("#cancel-subscription").await;
    browser.wait_for_text("Confirm").await;
    double_click(&browser, "#confirm").await;
    browser.wait_for_text("The subscription is cancelled").await;
    browser
        .goto(&format!("{base}/customers/{customer}?tab=account"))
        .await;
    browser.click("#end-relationship-toggle").await;
    double_click(&browser, "#end-relationship").await;
    let list = browser
        .wait_for_text("The relationship with the customer has ended")
        .await;
    assert!(!list.contains("acme Ltd"), "{list}");
    browser.screenshot(&shot("54-relationship-ended")).await;
    browser.quit().await;
}

/// The sign-in and administration pages, at desktop and phone width: the choice of organisation at
/// sign-in, turning two-factor off with the password, and a customer two providers serve
/// as the second provider sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_choices_two_factor_and_a_shared_customer_in_a_browser() {
    use http::{Method, StatusCode};
    let app = TestApp::new().await;
    let m = app.market().await;
    let r = app
        .api(
            Method::POST,
            "/v1/users",
            &m.user("provider_user_management_admin").bearer(),
            Some(serde_json::json!({ "email": "admin@tailspin.test", "roles": ["sales_agent"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    app.set_password_of(
        &m.world.provider,
        "admin@tailspin.test",
        twotier_testkit::app::PASSWORD,
    )
    .await;
    let agent = m.user("provider_admin_agent").clone();
    let secret = app.enrol_two_factor(&agent).await;
    let base = app.serve().await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let both = |name: &'static str| {
        let browser = &browser;
        async move {
            browser.resize(1280, 900).await;
            browser.screenshot(&shot(&format!("{name}-desktop"))).await;
            browser.resize(390, 844).await;
            browser.screenshot(&shot(&format!("{name}-phone"))).await;
            browser.resize(1280, 900).await;
        }
    };

    // One address, two organisations, one password: the person chooses.
    browser.goto(&format!("{base}/login")).await;
    browser.fill("#email", "admin@tailspin.test").await;
    browser
        .fill("#password", twotier_testkit::app::PASSWORD)
        .await;
    browser.click("button[type=submit]").await;
    let text = browser.wait_for_text("several organisations").await;
    assert!(text.contains("Tailspin Toys") && text.contains("Contoso Distribution"));
    both("60-sign-in-choose-organisation").await;
    browser
        .click(&format!("input[value='{}']", m.world.provider))
        .await;
    browser
        .fill("#password", twotier_testkit::app::PASSWORD)
        .await;
    browser.click("button[type=submit]").await;
    let home = browser.wait_for_text("Welcome").await;
    assert!(home.contains("Sales agent"), "{home}");
    sign_out(&browser).await;

    // Two-factor off needs the password.
    browser.goto(&format!("{base}/login")).await;
    browser.fill("#email", &agent.email).await;
    browser
        .fill("#password", twotier_testkit::app::PASSWORD)
        .await;
    browser.click("button[type=submit]").await;
    browser.wait_for_url(|u| u.ends_with("/two-factor")).await;
    let code = twotier_core::totp::code_at(&secret, app.svc.now().millis() / 30_000);
    browser.fill("#code", &code).await;
    browser
        .click("form[action='/two-factor'] button[type=submit]")
        .await;
    browser.wait_for_text("Welcome").await;
    browser.goto(&format!("{base}/account")).await;
    browser.fill("#current_password", "not my password").await;
    browser
        .click("form[action='/two-factor/disable'] button")
        .await;
    let text = browser.wait_for_text("enter your current password").await;
    assert!(text.contains("Two-factor sign-in"), "{text}");
    both("61-account-two-factor-off-needs-password").await;
    sign_out(&browser).await;

    // The second provider's view of the customer both serve: its own subscription only.
    sign_in(&browser, &base, "admin@northwind.test").await;
    browser
        .goto(&format!("{base}/customers/{}", m.shared))
        .await;
    let page = browser.wait_for_text("wingtip").await;
    assert!(!page.contains("2000001"), "{page}");
    both("62-customer-shared-by-two-providers").await;
    browser.quit().await;
}

/// Where an error of a submitted form is: in the window, and the element that has focus
/// (the invalid field, or the form's error when no one field is wrong).
async fn error_in_view(browser: &Browser, error: &str) -> (bool, String) {
    let v = browser
        .execute(
            "const e = document.querySelector(arguments[0]);
             if (!e) return [false, 'missing'];
             const r = e.getBoundingClientRect();
             const a = document.activeElement;
             return [r.top >= 0 && r.bottom <= window.innerHeight,
                     a ? (a.id || a.tagName.toLowerCase()) : ''];",
            serde_json::json!([error]),
        )
        .await;
    (
        v[0].as_bool().unwrap_or(false),
        v[1].as_str().unwrap_or_default().to_owned(),
    )
}

/// An invalid value in a form, far down its page or not, is answered by the same page in
/// the signed-in layout with the message next to the field, scrolled into view with the
/// field focused, at desktop and at phone width.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_value_is_shown_next_to_its_field_in_view() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, _basic, mail) = crate::subscriptions::setup(&app, &world).await;
    let base = app.serve().await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    sign_in(&browser, &base, &world.user("provider_admin_agent").email).await;
    let subscription = format!(
        "{base}/customers/{customer}/subscriptions/{}",
        mail["id"].as_str().unwrap()
    );
    // (page, field to fill, value, submit button, the error, the element that gets focus)
    let cases = [
        (
            subscription.clone(),
            "#new-quantity",
            "abc",
            "#change-quantity",
            "#quantity-error",
            "new-quantity",
        ),
        (
            format!("{base}/customers/{customer}?tab=billing"),
            "#email",
            "not an address",
            "form[action$='/billing'] button[type=submit]",
            "#email-error",
            "email",
        ),
        (
            format!("{base}/customers/{customer}/orders/new"),
            "#qty-MAIL-ARCHIVE",
            "0",
            "#review",
            "#qty-MAIL-ARCHIVE-error",
            "qty-MAIL-ARCHIVE",
        ),
        (
            format!("{base}/resellers"),
            "#expires_in_days",
            "0",
            "#invite button[type=submit]",
            "#expires_in_days-error",
            "expires_in_days",
        ),
    ];
    for (width, height) in [(1280, 900), (390, 844)] {
        browser.resize(width, height).await;
        for (page, field, value, submit, error, focused) in &cases {
            browser.goto(page).await;
            browser.fill(field, value).await;
            browser.click(submit).await;
            browser.find(error).await;
            let (visible, active) = error_in_view(&browser, error).await;
            let text = browser.text().await;
            assert!(visible, "{page} at {width} px: {error} is off-screen");
            assert_eq!(&active, focused, "{page} at {width} px");
            assert!(
                text.contains("Sign out") && !text.contains("expiresInDays"),
                "{page}: {text}"
            );
        }
    }
    browser.screenshot(&shot("70-error-in-view-phone")).await;
    // Several errors at once: all listed above the form, which is in view, the first
    // invalid field focused.
    for (width, height, name) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        browser.resize(width, height).await;
        browser
            .goto(&format!("{base}/customers/{customer}?tab=billing"))
            .await;
        browser.fill("#first_name", " ").await;
        browser.fill("#email", "not an address").await;
        browser
            .click("form[action$='/billing'] button[type=submit]")
            .await;
        browser.find(".error-summary").await;
        let (visible, active) = error_in_view(&browser, ".error-summary").await;
        assert!(visible, "the error summary is off-screen at {width} px");
        assert_eq!(active, "first_name", "at {width} px");
        let summary = browser.element_text(".error-summary").await;
        assert!(summary.contains("2 things to fix"), "{summary}");
        browser
            .screenshot(&shot(&format!("71-error-summary-{name}")))
            .await;
    }
    browser.quit().await;
}

/// How many elements match `css` on the current page.
async fn count_of(browser: &Browser, css: &str) -> u64 {
    browser
        .execute(
            "return document.querySelectorAll(arguments[0]).length;",
            serde_json::json!([css]),
        )
        .await
        .as_u64()
        .unwrap_or_default()
}

/// Opens the `<details>` of a confirm, then double-clicks its button.
async fn confirm_twice(browser: &Browser, form: &str) {
    browser
        .execute(
            "document.querySelector(arguments[0]).closest('details').open = true;",
            serde_json::json!([form]),
        )
        .await;
    double_click(browser, &format!("{form} button[type=submit]")).await;
}

/// Each confirm-once button that ends or changes something, double-clicked, does it once and
/// shows its success: a personal token, an app, a user, an invitation and a relationship
/// request, each made (its secret or link on its one page), then revoked, disabled, enabled
/// or declined.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_click_on_each_create_revoke_disable_and_decline_does_one_thing() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (_, customer_admin) = app.existing_customer(&world, "doubles", "FR").await;
    let base = app.serve().await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    sign_in(&browser, &base, &world.user("provider_global_admin").email).await;

    // A personal token.
    browser.goto(&format!("{base}/account")).await;
    let revoke = "form[action^='/account/tokens/'][action$='/revoke']";
    let tokens = count_of(&browser, revoke).await;
    browser.fill("#name", "Clicked twice").await;
    double_click(
        &browser,
        "form[action='/account/tokens'] button[type=submit]",
    )
    .await;
    let shown = browser.wait_for_text("will not be shown again").await;
    assert!(shown.contains("Clicked twice"), "{shown}");
    assert!(!browser.element_text("#secret-value").await.is_empty());
    checked_at_both_widths(&browser, "81-token-shown-once").await;
    browser.goto(&format!("{base}/account")).await;
    assert_eq!(count_of(&browser, revoke).await, tokens + 1, "one token");
    confirm_twice(&browser, revoke).await;
    browser.wait_for_text("The token was revoked").await;
    assert_eq!(count_of(&browser, revoke).await, tokens);

    // An API app.
    browser.goto(&format!("{base}/apps")).await;
    let disable = "form[action$='/disable']";
    let apps = count_of(&browser, disable).await;
    browser.fill("#name", "Twice app").await;
    browser.click("input[name=roles]").await;
    double_click(&browser, "form[action='/apps'] button[type=submit]").await;
    let shown = browser.wait_for_text("will not be shown again").await;
    assert!(shown.contains("Twice app is registered"), "{shown}");
    browser.goto(&format!("{base}/apps")).await;
    assert_eq!(count_of(&browser, disable).await, apps + 1, "one app");
    confirm_twice(&browser, disable).await;
    browser.wait_for_text("The app was disabled").await;
    assert_eq!(count_of(&browser, disable).await, apps);

    // A user, disabled and enabled again.
    browser.goto(&format!("{base}/users")).await;
    let users = count_of(&browser, "tbody tr").await;
    browser.fill("#email", "twice@contoso.test").await;
    browser.fill("#display_name", "Twice Clicked").await;
    browser.click("input[name=roles]").await;
    double_click(
        &browser,
        "form[method=post][action='/users'] button[type=submit]",
    )
    .await;
    let shown = browser.wait_for_text("will not be shown again").await;
    assert!(
        shown.contains("twice@contoso.test can now sign in"),
        "{shown}"
    );
    browser.goto(&format!("{base}/users")).await;
    assert_eq!(count_of(&browser, "tbody tr").await, users + 1, "one user");
    let user_page = browser
        .execute(
            "return [...document.querySelectorAll('tbody a')].find(a => a.textContent.includes('Twice Clicked')).href;",
            serde_json::json!([]),
        )
        .await;
    browser.goto(user_page.as_str().unwrap()).await;
    browser.wait_for_text("Disable user").await;
    confirm_twice(&browser, "form:has(input[value=disable])").await;
    browser.wait_for_text("The user was disabled").await;
    double_click(
        &browser,
        "form:has(input[value=enable]) button[type=submit]",
    )
    .await;
    let enabled = browser.wait_for_text("The user was enabled").await;
    assert!(enabled.contains("Disable user"), "{enabled}");

    // An invitation to a reseller.
    browser.goto(&format!("{base}/resellers")).await;
    double_click(
        &browser,
        "form[action='/resellers/invitations'] button[type=submit]",
    )
    .await;
    browser.wait_for_text("It is shown only now").await;
    assert!(!browser.element_text("#invitation-link").await.is_empty());
    checked_at_both_widths(&browser, "80-invitation-link").await;
    browser.goto(&format!("{base}/resellers")).await;
    assert_eq!(count_of(&browser, "[data-invitation-id]").await, 1);
    confirm_twice(&browser, "form[action$='/revoke']").await;
    browser.wait_for_text("The invitation was revoked").await;
    assert_eq!(count_of(&browser, "[data-invitation-id]").await, 0);

    // Two relationship requests: one revoked, one the customer declines.
    let domain = "doubles.onmicrosoft.example";
    for _ in 0..2 {
        browser
            .goto(&format!("{base}/customers/relationship-requests"))
            .await;
        browser.fill("#customer_domain", domain).await;
        double_click(&browser, "#create-request").await;
        let made = browser.wait_for_text("It is shown only now").await;
        assert!(made.contains("It is shown only now"), "{made}");
        assert!(!browser.element_text("#invitation-link").await.is_empty());
    }
    browser
        .goto(&format!("{base}/customers/relationship-requests"))
        .await;
    let revoke = "form[action$='/revoke']";
    assert_eq!(count_of(&browser, revoke).await, 2, "one request a form");
    confirm_twice(&browser, revoke).await;
    browser
        .wait_for_text("The relationship request was revoked")
        .await;
    assert_eq!(count_of(&browser, revoke).await, 1);
    sign_out(&browser).await;

    sign_in(&browser, &base, &customer_admin.email).await;
    browser.goto(&format!("{base}/my/partners")).await;
    assert_eq!(count_of(&browser, "[data-request-id]").await, 1);
    confirm_twice(&browser, "form[action$='/decline']").await;
    browser.wait_for_text("You declined the request").await;
    assert_eq!(count_of(&browser, "[data-request-id]").await, 0);
    browser.quit().await;
}
