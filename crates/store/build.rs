// `sqlx::migrate!` embeds the migration files at compile time, and cargo does not know it
// reads them: without this, an edited migration leaves a stale copy in the binary.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
