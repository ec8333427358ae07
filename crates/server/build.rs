//! Embeds the live-chat widget (`widget/dist/widget.js`, built by `npm run build` in
//! `widget/`) into the server binary. Without a built widget the server still builds, and
//! serves a script that says in the browser console what is missing.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let built = manifest.join("../../widget/dist/widget.js");
    println!("cargo:rerun-if-changed={}", built.display());
    let path = if built.exists() {
        built
    } else {
        println!(
            "cargo:warning=widget/dist/widget.js is missing: run `npm install && npm run build` in widget/ to embed the live-chat widget"
        );
        let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"))
            .join("widget-missing.js");
        std::fs::write(
            &out,
            "console.error('Switchboard: this server was built without its live-chat widget (widget/dist/widget.js).');\n",
        )
        .expect("OUT_DIR is writable");
        out
    };
    println!("cargo:rustc-env=SWITCHBOARD_WIDGET_JS={}", path.display());
}
