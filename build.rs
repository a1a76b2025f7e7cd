//! Rebuilds the crate when a migration is added, removed or edited: `embed_migrations!` reads the
//! migration folders at compile time, and Cargo would otherwise not notice a new folder.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
