//! twotier's business vocabulary: ids, validated inputs, roles and permissions.
//! No I/O lives here: no axum, no sqlx, no tokio.

pub mod actor;
pub mod audit;
pub mod authz;
pub mod clock;
pub mod customer;
pub mod error;
pub mod ids;
pub mod link;
pub mod money;
pub mod partner;
mod stored;
pub mod subscription;
pub mod tenant;
pub mod term;
pub mod user;

pub use error::{DomainError, FieldErrors};

#[cfg(test)]
mod vocabulary {
    use std::path::{Path, PathBuf};

    /// Statuses, states, terms and billing cycles, as they are stored and sent.
    const WORDS: [&str; 16] = [
        "active",
        "inactive",
        "suspended",
        "deleted",
        "cancelled",
        "expired",
        "pending",
        "accepted",
        "revoked",
        "removed",
        "completed",
        "monthly",
        "annual",
        "triennial",
        "P1M",
        "P1Y",
    ];

    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "html") {
                out.push(path);
            }
        }
    }

    /// The words are written in `domain` only (and in the store's SQL); everywhere else
    /// uses the types, so a typo or a new value cannot slip past the compiler. Tests are not
    /// scanned: they may compare with the wire text.
    #[test]
    fn no_vocabulary_literals_outside_domain() {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in [
            "core/src",
            "web/src",
            "web/templates",
            "twotier/src",
            "testkit/src",
            "store/src",
        ] {
            sources(&crates.join(dir), &mut files);
        }
        assert!(files.len() > 50, "found only {} files", files.len());
        let mut found = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, line) in code.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for word in WORDS.iter().chain(&["P3Y"]) {
                    if line.contains(&format!("\"{word}\"")) {
                        found.push(format!("{}:{}: {word}", file.display(), n + 1));
                    }
                }
            }
        }
        assert!(
            found.is_empty(),
            "write these with the domain types:\n{}",
            found.join("\n")
        );
    }
}
