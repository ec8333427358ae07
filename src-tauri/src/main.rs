//! Switchboard's desktop agent app: a Tauri 2 window around the TypeScript UI in `ui/`.
//!
//! This crate stays a thin shell. The UI reaches Rust only through the commands registered
//! below (see `commands.rs`), and those only adapt calls into library code.

// A release build on Windows would otherwise open a console window beside the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

fn main() {
    let result = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![commands::app_info])
        // The config sits at the repository root; see build.rs.
        .run(tauri::generate_context!("../tauri.conf.json"));

    if let Err(error) = result {
        eprintln!("Switchboard could not start: {error}");
        std::process::exit(1);
    }
}
