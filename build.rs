//! `embed_migrations!` (src/db/pool.rs) reads the migration directories when the crate
//! compiles; cargo does not watch them otherwise, so a new migration would not be built
//! in until some source file changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
