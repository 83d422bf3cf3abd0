// sqlx::migrate! embeds the migration files when the crate compiles, but cannot ask Cargo to
// watch the folder: without this, a new migration file is left out until something else in the
// crate changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
