//! A tour of the demo in a real browser: every page each kind of person can reach by its
//! links and its confirmations (GET forms), a missing page and a refused filter,
//! at desktop and phone width, checked by axe-core (0 serious, 0 critical), for
//! horizontal overflow at 390 px, with a screenshot of each and its DOMContentLoaded time.

use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;

use twotier_core::demo;
use twotier_testkit::TestApp;
use twotier_testkit::webdriver::Browser;

const DESKTOP: (u32, u32) = (1400, 900);
const PHONE: (u32, u32) = (390, 844);
/// Enough to reach every kind of page of the demo from Home; ids repeat the same pages.
const ROUTES_PER_PERSON: usize = 45;

fn shots(person: &str) -> PathBuf {
    twotier_testkit::screenshot_dir().join("tour").join(person)
}

/// The page a link leads to with its ids taken out: `/customers/3f…/subscriptions/9a…`
/// and `/customers/77…/subscriptions/12…` are the same page to check.
fn route_of(path_and_query: &str) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let looks_like_id = |s: &str| {
        s.len() >= 6
            && s.chars().any(|c| c.is_ascii_digit())
            && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
    };
    let path: Vec<&str> = path
        .split('/')
        .map(|s| if looks_like_id(s) { ":id" } else { s })
        .collect();
    let mut keys: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty())
        // A tab is a page of its own: its value is part of the route.
        .map(|p| {
            if p.starts_with("tab=") {
                p
            } else {
                p.split('=').next().unwrap_or_default()
            }
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    if keys.is_empty() {
        path.join("/")
    } else {
        format!("{}?{}", path.join("/"), keys.join("&"))
    }
}

fn file_name(route: &str) -> String {
    let name: String = route
        .trim_start_matches('/')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if name.is_empty() {
        "home".to_owned()
    } else if name.len() > 100 {
        // A form's many fields make a long route: keep its start and tell routes apart by
        // a short hash of the rest.
        let hash = route.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        format!("{}-{hash:016x}", &name[..80])
    } else {
        name
    }
}

/// Links of the page that stay on this server and lead to a page (not a download).
async fn links(browser: &Browser, base: &str) -> Vec<String> {
    let found = browser
        .execute(
            "const out = Array.from(document.querySelectorAll('a[href]'))
                .filter(a => !a.hasAttribute('download'))
                .map(a => a.href);
             // A change's confirmation is a page a GET form leads to (filters lead to the
             // page they are on). Its `action` attribute: the form has an input so named.
             for (const f of document.querySelectorAll('form[method=get][action$=\"/confirm\"]')) {
                 const u = new URL(f.getAttribute('action'), location.href);
                 for (const [k, v] of new FormData(f)) u.searchParams.append(k, v);
                 out.push(u.href);
             }
             return out;",
            serde_json::json!([]),
        )
        .await;
    found
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .filter_map(|href| href.strip_prefix(base))
        .map(|p| p.split('#').next().unwrap_or_default().to_owned())
        .filter(|p| p.starts_with('/') && !p.starts_with("/static/"))
        .filter(|p| !p.contains(".csv") && !p.contains("format=csv"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_of_the_demo_fits_a_phone_and_passes_axe_as_each_role() {
    let app = TestApp::new().await;
    let sign_ins = demo::seed_if_empty(&app.svc)
        .await
        .unwrap()
        .expect("seeded");
    let base = app.serve().await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    // Every role of the operator, the provider and a reseller; the reseller that has not
    // accepted the agreement; two customers' admins; and nobody signed in.
    let mut people: Vec<(String, Option<String>)> = vec![("signed-out".to_owned(), None)];
    let mut customers = 0;
    for s in &sign_ins {
        let partner = [
            "twotier operator",
            "Contoso Distribution",
            "Fabrikam IT Services",
        ]
        .contains(&s.organisation.as_str());
        let unaccepted = s.organisation == "Tailspin Solutions"
            && s.roles == [twotier_domain::authz::Role::GlobalAdmin];
        let customer =
            s.roles == [twotier_domain::authz::Role::CustomerGlobalAdmin] && customers < 2;
        customers += usize::from(customer);
        if partner || unaccepted || customer {
            people.push((s.email.replace('@', "-at-"), Some(s.email.clone())));
        }
    }

    let mut failures = Vec::new();
    let mut refusals: Vec<String> = Vec::new();
    let mut timings: Vec<(f64, String)> = Vec::new();
    let mut pages = 0;
    for (person, email) in &people {
        browser.goto(&format!("{base}/providers")).await;
        browser.delete_cookies().await;
        if let Some(email) = email {
            let (cookie, _) = app.sign_in(email, demo::DEMO_PASSWORD).await;
            browser.set_cookie("tt_session", &cookie).await;
        }
        let start = if email.is_some() { "/" } else { "/login" };
        // The pages no link leads to: one that does not exist, and a filter refused.
        let mut queue = VecDeque::from([
            start.to_owned(),
            "/no-such-page".to_owned(),
            "/audit?from=31/12/2026".to_owned(),
        ]);
        let mut seen: BTreeSet<String> = queue.iter().map(|p| route_of(p)).collect();
        while let Some(path) = queue.pop_front() {
            browser.resize(DESKTOP.0, DESKTOP.1).await;
            browser.goto(&format!("{base}{path}")).await;
            let route = route_of(&path);
            let landed = browser.url().await;
            if !landed.starts_with(&base) {
                continue;
            }
            pages += 1;
            let dir = shots(person);
            let desktop = browser.check_page().await;
            browser
                .screenshot(&dir.join(format!("{}-desktop.png", file_name(&route))))
                .await;
            timings.push((desktop.dom_content_loaded_ms, format!("{person} {path}")));
            for v in &desktop.violations {
                failures.push(format!("{person} {path} at {} px: {v}", DESKTOP.0));
            }
            // A detail page (one thing among many) says where it is; an error page says
            // what went wrong instead (listed, to look at).
            let crumbs = browser
                .execute(
                    "return document.querySelector('nav[aria-label=Breadcrumb]') !== null;",
                    serde_json::json!([]),
                )
                .await;
            let error = browser
                .execute(
                    "const e = document.querySelector('p.error-message'); return e ? e.textContent : null;",
                    serde_json::json!([]),
                )
                .await;
            if let Some(message) = error.as_str() {
                refusals.push(format!("{person} {path}: {message}"));
            } else if route.contains(":id")
                && email.is_some()
                && crumbs != serde_json::Value::Bool(true)
            {
                failures.push(format!("{person} {path} has no breadcrumbs"));
            }
            browser.resize(PHONE.0, PHONE.1).await;
            let phone = browser.check_page().await;
            browser
                .screenshot(&dir.join(format!("{}-phone.png", file_name(&route))))
                .await;
            for v in &phone.violations {
                failures.push(format!("{person} {path} at {} px: {v}", PHONE.0));
            }
            if phone.overflow_px > 0 {
                failures.push(format!(
                    "{person} {path} is {} px wider than a {} px phone: {}",
                    phone.overflow_px,
                    PHONE.0,
                    phone.too_wide.join(", ")
                ));
            }
            for link in links(&browser, &base).await {
                if link == "/logout" || seen.len() >= ROUTES_PER_PERSON {
                    continue;
                }
                if seen.insert(route_of(&link)) {
                    queue.push_back(link);
                }
            }
        }
    }
    browser.quit().await;

    timings.sort_by(|a, b| b.0.total_cmp(&a.0));
    eprintln!(
        "tour: {pages} pages as {} people; slowest DOMContentLoaded:",
        people.len()
    );
    for (ms, page) in timings.iter().take(5) {
        eprintln!("  {ms:.1} ms  {page}");
    }
    eprintln!("tour: {} error pages:", refusals.len());
    for r in &refusals {
        eprintln!("  {r}");
    }
    assert!(pages > people.len(), "the tour reached only {pages} pages");
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_route_is_a_page_without_its_ids() {
    assert_eq!(
        route_of("/customers/3f2a9c1e-77aa-4b1e-9d1c-0a1b2c3d4e5f/subscriptions/12345678?done=x"),
        "/customers/:id/subscriptions/:id?done"
    );
    assert_eq!(route_of("/customers?page=2&q=ab"), "/customers?page&q");
    assert_eq!(route_of("/catalog"), "/catalog");
    assert_eq!(file_name("/"), "home");
}
