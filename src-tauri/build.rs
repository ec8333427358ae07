//! Build script: validates `tauri.conf.json`, resolves the capabilities in `capabilities/` and
//! generates the permission schemas. The config lives at the repository root, beside the
//! workspace `Cargo.toml`, so its paths (`ui/dist`, `assets/icons/...`) are relative to the root.

fn main() {
    if let Err(error) =
        tauri_build::try_build(tauri_build::Attributes::new().config_path("../tauri.conf.json"))
    {
        // `{:#}` prints the whole anyhow chain, e.g. which config field was wrong.
        panic!("tauri build step failed: {error:#}");
    }
}
