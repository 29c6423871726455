//! `cargo run -p uniffi-bindgen -- generate --library …`: generates Kotlin and Swift from the built
//! FFI library with exactly the uniffi version the library was built with.

fn main() {
    uniffi::uniffi_bindgen_main()
}
