//! A small W3C WebDriver client for Debian's chromedriver, enough for the browser tests:
//! open pages, fill fields, click, read text and take screenshots.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    http: reqwest::Client,
    base: String,
    session: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

fn find_binary(candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find(|p| Path::new(p).exists())
        .map(|p| (*p).to_owned())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium. Without them the test is skipped, except
    /// under `CI=true`, where a missing browser is a failure.
    pub async fn start() -> Option<Self> {
        let chromium = find_binary(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]);
        let driver = find_binary(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]);
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but chromium/chromedriver are not installed"
            );
            eprintln!("skipping browser test: chromium or chromedriver not installed");
            return None;
        };
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            l.local_addr().expect("addr").port()
        };
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        }}});
        let mut session = None;
        for _ in 0..50 {
            if let Ok(r) = http
                .post(format!("{base}/session"))
                .json(&caps)
                .send()
                .await
            {
                let v: Value = r.json().await.unwrap_or(Value::Null);
                if let Some(id) = v["value"]["sessionId"].as_str() {
                    session = Some(id.to_owned());
                    break;
                }
                panic!("chromedriver refused the session: {v}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let session = session.expect("chromedriver did not start");
        Some(Self {
            http,
            base,
            session,
            driver: child,
            _profile: profile,
        })
    }

    async fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, Value> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(body) = body {
            req = req.json(&body);
        } else {
            req = req.json(&json!({}));
        }
        let v: Value = req
            .send()
            .await
            .expect("webdriver call")
            .json()
            .await
            .expect("webdriver json");
        if v["value"].get("error").is_some() {
            Err(v["value"].clone())
        } else {
            Ok(v["value"].clone())
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("webdriver {path}: {e}"))
    }

    /// Waits (up to 10 s) until the current URL satisfies `done`, after a click that navigates.
    pub async fn wait_for_url(&self, done: impl Fn(&str) -> bool) -> String {
        for _ in 0..100 {
            let url = self.url().await;
            if done(&url) {
                return url;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.url().await
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    /// The browser's Back button.
    pub async fn back(&self) {
        self.call(reqwest::Method::POST, "/back", None).await;
    }

    /// The browser's Reload button. Reloading a page that answered a form post asks to send
    /// the form again; the test accepts, as a user clicking through would, and learns that
    /// the prompt came (`true`): post/redirect/get pages never show it.
    pub async fn reload(&self) -> bool {
        if self
            .try_call(reqwest::Method::POST, "/refresh", None)
            .await
            .is_err()
        {
            let _ = self
                .try_call(reqwest::Method::POST, "/alert/accept", None)
                .await;
            return true;
        }
        false
    }

    /// Whether the page shown was reached through a redirect (post/redirect/get): a form
    /// that answered with a page of its own would be posted again by Reload.
    pub async fn came_through_redirect(&self) -> bool {
        self.execute(
            "const n = performance.getEntriesByType('navigation')[0]; return !!n && n.redirectCount > 0;",
            json!([]),
        )
        .await
        .as_bool()
        .unwrap_or(false)
    }

    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Finds an element, waiting (up to 10 s) while a page is still loading.
    pub async fn find(&self, css: &str) -> String {
        let query = json!({ "using": "css selector", "value": css });
        for _ in 0..100 {
            if let Ok(v) = self
                .try_call(reqwest::Method::POST, "/element", Some(query.clone()))
                .await
                && let Some(id) = v[ELEMENT].as_str()
            {
                return id.to_owned();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no element {css} on {}", self.url().await)
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{el}/clear"), None)
            .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{el}/click"), None)
            .await;
    }

    /// The visible text of the page body.
    pub async fn text(&self) -> String {
        let el = self.find("body").await;
        self.call(reqwest::Method::GET, &format!("/element/{el}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The visible text of one element.
    pub async fn element_text(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.call(reqwest::Method::GET, &format!("/element/{el}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits (up to 10 s) until the page text contains `needle`; returns the text either way.
    pub async fn wait_for_text(&self, needle: &str) -> String {
        for _ in 0..100 {
            if let Ok(v) = self
                .try_call(
                    reqwest::Method::POST,
                    "/element",
                    Some(json!({ "using": "css selector", "value": "body" })),
                )
                .await
                && let Some(id) = v[ELEMENT].as_str()
                && let Ok(t) = self
                    .try_call(reqwest::Method::GET, &format!("/element/{id}/text"), None)
                    .await
            {
                let text = t.as_str().unwrap_or_default().to_owned();
                if text.contains(needle) {
                    return text;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.text().await
    }

    /// Resizes the window: 390 × 844 is a phone, 1280 × 900 the desktop the browser starts at.
    pub async fn resize(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .await;
    }

    pub async fn screenshot(&self, path: &Path) {
        let v = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .expect("png");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot dir");
        }
        std::fs::write(path, png).expect("write screenshot");
    }
}

/// What the machine checks on a page: axe-core's serious and critical findings, how far the
/// document is wider than the window, and how long the page took to reach DOMContentLoaded.
#[derive(Debug, Clone, Default)]
pub struct PageCheck {
    /// One line per serious or critical axe-core violation: impact, rule, the first target.
    pub violations: Vec<String>,
    /// `scrollWidth - innerWidth` of the document, in CSS pixels (0 when it fits).
    pub overflow_px: i64,
    /// The elements that reach past the window's right edge outside any scrolling
    /// container, outermost first, as `tag#id.class`, when the page overflows.
    pub too_wide: Vec<String>,
    /// `domContentLoadedEventEnd - startTime` of the navigation, in milliseconds.
    pub dom_content_loaded_ms: f64,
}

/// Where axe-core's browser build is: `AXE_CORE_JS`, or the copy `scripts/test.sh` installs
/// under `target/axe-core`.
fn axe_core_source() -> Option<String> {
    let path = std::env::var("AXE_CORE_JS").map_or_else(
        |_| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/axe-core/node_modules/axe-core/axe.min.js")
        },
        std::path::PathBuf::from,
    );
    std::fs::read_to_string(path).ok()
}

impl Browser {
    /// Runs a script in the page and returns its value (W3C "execute script").
    pub async fn execute(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Runs a script that calls its last argument with the result (W3C "execute async script").
    pub async fn execute_async(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Sets a cookie for the current page's origin.
    pub async fn set_cookie(&self, name: &str, value: &str) {
        self.call(
            reqwest::Method::POST,
            "/cookie",
            Some(json!({ "cookie": { "name": name, "value": value, "path": "/" } })),
        )
        .await;
    }

    /// Deletes every cookie of the current page's origin (signs the browser out).
    pub async fn delete_cookies(&self) {
        self.call(reqwest::Method::DELETE, "/cookie", None).await;
    }

    /// Checks the current page: axe-core (WCAG 2 A and AA rules, serious and critical only),
    /// horizontal overflow and load time. Without axe-core the violations stay empty, except
    /// under `CI=true`, where its absence is a failure.
    pub async fn check_page(&self) -> PageCheck {
        let mut check = PageCheck::default();
        let metrics = self
            .execute(
                "const n = performance.getEntriesByType('navigation')[0];
                 const overflow = document.documentElement.scrollWidth - window.innerWidth;
                 const wide = [];
                 if (overflow > 0) {
                   const walk = (el) => {
                     for (const c of el.children) {
                       const style = getComputedStyle(c);
                       if (c.getBoundingClientRect().right > window.innerWidth + 1) {
                         const name = c.tagName.toLowerCase() + (c.id ? '#' + c.id : '') +
                           (c.className && typeof c.className === 'string' ? '.' + c.className.trim().split(/\\s+/).join('.') : '');
                         wide.push(name);
                         if (wide.length >= 8) return;
                       }
                       if (style.overflowX === 'visible') walk(c);
                     }
                   };
                   walk(document.body);
                 }
                 return { overflow, wide, dcl: n ? n.domContentLoadedEventEnd - n.startTime : 0 };",
                json!([]),
            )
            .await;
        check.overflow_px = metrics["overflow"].as_i64().unwrap_or(0);
        check.too_wide = metrics["wide"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        check.dom_content_loaded_ms = metrics["dcl"].as_f64().unwrap_or(0.0);
        let Some(axe) = axe_core_source() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but axe-core is not installed (scripts/test.sh installs it)"
            );
            return check;
        };
        let loaded = self
            .execute("return typeof window.axe === 'object';", json!([]))
            .await;
        if loaded != Value::Bool(true) {
            self.execute(&axe, json!([])).await;
        }
        let found = self
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
                   .then(r => done(r.violations
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at ' +
                          v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
                   .catch(e => done(['axe failed: ' + e]));",
                json!([]),
            )
            .await;
        check.violations = found
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        check
    }
}

impl Browser {
    /// Closes the browser (the session) and stops chromedriver.
    pub async fn quit(mut self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self.http.delete(url).send().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
