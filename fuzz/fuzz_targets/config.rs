//! The server's TOML configuration: any text must give a `Config` or a list of problems.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use switchboard_server::config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return; // `config::load` reads the file as UTF-8 first.
    };
    match config::parse(text, "fuzz.toml", Path::new("/etc/switchboard"), &|_| None) {
        Ok(_) => {}
        Err(errors) => {
            assert!(
                !errors.problems.is_empty(),
                "a refused configuration must say what is wrong"
            );
            // Operators read this; building it must not fail either.
            let _ = errors.to_string();
        }
    }
});
