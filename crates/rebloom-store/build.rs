//! `sqlx::migrate!` embeds the migration directories at compile time: rebuild
//! when one is added or changed (sqlx's recommended build script).
#![allow(clippy::print_stdout)] // cargo reads build-script instructions from stdout

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
