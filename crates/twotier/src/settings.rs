//! Configuration: defaults in code, then an optional TOML file, then `TWOTIER__SECTION__KEY`
//! environment variables, then the few command-line flags (`--bind`, `--database-url`).

use std::fmt;

use serde::{Deserialize, Serialize};
use twotier_core::passwords::Argon2Params;

#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Settings {
    pub server: Server,
    pub database: Database,
    pub auth: Auth,
    pub customers: Customers,
    pub log: Log,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Customers {
    /// A customer's primary domain is `<prefix>.<domain_suffix>`.
    pub domain_suffix: String,
}

impl Default for Customers {
    fn default() -> Self {
        Self {
            domain_suffix: twotier_core::CoreSettings::default().customer_domain_suffix,
        }
    }
}

#[derive(Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Server {
    /// Address to listen on.
    pub bind: String,
    /// Public URL of this server, for links it writes; `https://` turns on Secure cookies.
    pub base_url: String,
    pub body_limit_bytes: usize,
    /// API requests each tenant may make per minute, per server process; 0 means no limit.
    pub tenant_requests_per_minute: u32,
    /// Reverse proxies (addresses or CIDR ranges) whose `Forwarded` / `X-Forwarded-For`
    /// header names the client. Empty: the socket peer is the client.
    pub trusted_proxies: Vec<String>,
    /// A client has this long to send a request's headers (also the next request's, on a
    /// kept-alive connection: an idle connection closes after it)...
    pub header_read_timeout_secs: u64,
    /// ...and this long to send its body.
    pub request_body_timeout_secs: u64,
    /// Connections open at once; one more is closed as soon as it is accepted.
    pub max_connections: usize,
    /// The bearer token `/metrics` asks for (Prometheus: `authorization: credentials:`);
    /// empty leaves it open.
    pub metrics_token: String,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("bind", &self.bind)
            .field("base_url", &self.base_url)
            .field("body_limit_bytes", &self.body_limit_bytes)
            .field(
                "tenant_requests_per_minute",
                &self.tenant_requests_per_minute,
            )
            .field("trusted_proxies", &self.trusted_proxies)
            .field("header_read_timeout_secs", &self.header_read_timeout_secs)
            .field("request_body_timeout_secs", &self.request_body_timeout_secs)
            .field("max_connections", &self.max_connections)
            .field(
                "metrics_token",
                &if self.metrics_token.is_empty() {
                    ""
                } else {
                    "(set)"
                },
            )
            .finish()
    }
}

impl Default for Server {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".to_owned(),
            base_url: String::new(),
            body_limit_bytes: 1024 * 1024,
            tenant_requests_per_minute: 0,
            trusted_proxies: Vec::new(),
            header_read_timeout_secs: 10,
            request_body_timeout_secs: 30,
            max_connections: 4096,
            metrics_token: String::new(),
        }
    }
}

#[derive(Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Database {
    /// `sqlite://PATH` (default: ./data/twotier.sqlite) or `postgres://USER@HOST/DB`.
    pub url: String,
    /// Apply pending migrations when the server starts.
    pub migrate_on_start: bool,
    /// Per pool. On PostgreSQL a server opens up to twice this many connections: the main
    /// pool and the one for list pages (`Db::read_list`), which opens its connections lazily.
    pub max_connections: u32,
    /// SQLite `synchronous=FULL` (true) keeps commits across power loss; false means NORMAL,
    /// which may lose the last commits on power loss.
    pub sqlite_synchronous_full: bool,
}

impl Default for Database {
    fn default() -> Self {
        Self {
            url: "sqlite://./data/twotier.sqlite".to_owned(),
            migrate_on_start: true,
            max_connections: 10,
            sqlite_synchronous_full: true,
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("url", &twotier_store::redact_url(&self.url))
            .field("migrate_on_start", &self.migrate_on_start)
            .field("max_connections", &self.max_connections)
            .field("sqlite_synchronous_full", &self.sqlite_synchronous_full)
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Auth {
    pub temp_password_hours: i64,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub token_default_days: i64,
    pub token_max_days: i64,
    pub app_token_minutes: i64,
    pub lockout_threshold: i32,
    pub lockout_minutes: i64,
    pub totp_failure_limit: i32,
    pub address_failure_limit: u32,
    pub argon2_m_cost_kib: u32,
    pub argon2_t_cost: u32,
    pub argon2_p_cost: u32,
}

impl Default for Auth {
    fn default() -> Self {
        let core = twotier_core::CoreSettings::default();
        Self {
            temp_password_hours: core.temp_password_hours,
            session_idle_minutes: core.session_idle_minutes,
            session_absolute_hours: core.session_absolute_hours,
            token_default_days: core.token_default_days,
            token_max_days: core.token_max_days,
            app_token_minutes: core.app_token_minutes,
            lockout_threshold: core.lockout_threshold,
            lockout_minutes: core.lockout_minutes,
            totp_failure_limit: core.totp_failure_limit,
            address_failure_limit: core.address_failure_limit,
            argon2_m_cost_kib: core.argon2.m_cost_kib,
            argon2_t_cost: core.argon2.t_cost,
            argon2_p_cost: core.argon2.p_cost,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Log {
    /// `pretty` or `json`; `TWOTIER_LOG_FORMAT` overrides it.
    pub format: String,
}

impl Default for Log {
    fn default() -> Self {
        Self {
            format: "pretty".to_owned(),
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("server", &self.server)
            .field("database", &self.database)
            .field("auth", &self.auth)
            .field("customers", &self.customers)
            .field("log", &self.log)
            .finish()
    }
}

impl Settings {
    /// Loads the layers; `file` is `--config`, else `TWOTIER_CONFIG`, else `./twotier.toml`
    /// when it exists.
    pub fn load(file: Option<&str>) -> anyhow::Result<Self> {
        let mut builder = config::Config::builder();
        let explicit = file
            .map(str::to_owned)
            .or_else(|| std::env::var("TWOTIER_CONFIG").ok());
        match explicit {
            Some(path) => {
                if !std::path::Path::new(&path).exists() {
                    anyhow::bail!("the configuration file {path} does not exist");
                }
                builder = builder.add_source(config::File::new(&path, config::FileFormat::Toml));
            }
            None => {
                builder = builder.add_source(
                    config::File::new("twotier.toml", config::FileFormat::Toml).required(false),
                );
            }
        }
        builder = builder.add_source(
            config::Environment::with_prefix("TWOTIER")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .list_separator(",")
                .with_list_parse_key("server.trusted_proxies"),
        );
        let settings: Self = builder
            .build()
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))?
            .try_deserialize()
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        Ok(settings)
    }

    /// The trusted proxies, parsed: an address is a one-address range.
    pub fn trusted_proxies(&self) -> anyhow::Result<Vec<ipnet::IpNet>> {
        self.server
            .trusted_proxies
            .iter()
            .map(|p| {
                let p = p.trim();
                p.parse::<ipnet::IpNet>()
                    .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        anyhow::anyhow!(
                            "configuration: server.trusted_proxies: {p:?} is not an address or CIDR range"
                        )
                    })
            })
            .collect()
    }

    pub fn base_url(&self) -> String {
        if self.server.base_url.trim().is_empty() {
            format!("http://{}", self.server.bind)
        } else {
            self.server.base_url.trim_end_matches('/').to_owned()
        }
    }

    pub fn core(&self) -> twotier_core::CoreSettings {
        let a = &self.auth;
        twotier_core::CoreSettings {
            temp_password_hours: a.temp_password_hours,
            session_idle_minutes: a.session_idle_minutes,
            session_absolute_hours: a.session_absolute_hours,
            token_default_days: a.token_default_days,
            token_max_days: a.token_max_days,
            app_token_minutes: a.app_token_minutes,
            lockout_threshold: a.lockout_threshold,
            lockout_minutes: a.lockout_minutes,
            totp_failure_limit: a.totp_failure_limit,
            address_failure_limit: a.address_failure_limit,
            argon2: Argon2Params {
                m_cost_kib: a.argon2_m_cost_kib,
                t_cost: a.argon2_t_cost,
                p_cost: a.argon2_p_cost,
            },
            base_url: self.base_url(),
            customer_domain_suffix: self
                .customers
                .domain_suffix
                .trim()
                .trim_start_matches('.')
                .to_lowercase(),
            ..twotier_core::CoreSettings::default()
        }
    }

    /// The commented example printed by `twotier config example`.
    pub fn example() -> &'static str {
        include_str!("../../../config/twotier.example.toml")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_parses_and_matches_the_defaults() {
        let example: Settings = toml::from_str(Settings::example()).unwrap();
        let defaults = Settings::default();
        assert_eq!(example.server.bind, defaults.server.bind);
        assert_eq!(example.database.url, defaults.database.url);
        assert!(example.database.sqlite_synchronous_full);
        assert_eq!(example.auth.argon2_m_cost_kib, 19_456);
    }

    #[test]
    fn debug_hides_the_database_password_and_the_metrics_token() {
        let mut s = Settings::default();
        s.database.url = "postgres://app:hunter2@db/twotier".to_owned();
        s.server.metrics_token = "scrape-secret-42".to_owned();
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("scrape-secret-42"), "{shown}");
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        let mut s = Settings::default();
        s.server.trusted_proxies = vec!["10.0.0.0/8".to_owned(), "192.0.2.1".to_owned()];
        assert_eq!(s.trusted_proxies().unwrap().len(), 2);
        s.server.trusted_proxies = vec!["proxy.internal".to_owned()];
        assert!(
            s.trusted_proxies()
                .unwrap_err()
                .to_string()
                .contains("proxy.internal")
        );
    }
}
