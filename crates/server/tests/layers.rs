//! The layering ARCHITECTURE.md promises, checked on the source: the engine speaks domain
//! errors and never HTTP (statuses and codes are chosen in `http/` only).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the folder exists") {
        let path = entry.expect("a readable folder entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn no_file_of_the_engine_names_an_http_type() {
    let engine = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
    let files = rust_files(&engine);
    assert!(
        files.len() > 5,
        "the engine's files are found in {}",
        engine.display()
    );
    let http = ["axum", "StatusCode", "http::", "hyper", "tower"];
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if let Some(word) = http.iter().find(|word| code.contains(*word)) {
                found.push(format!(
                    "{}:{}: {word}: {}",
                    file.display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the engine returns engine::Error and leaves HTTP to http/; map it in http/error.rs \
         instead:\n{}",
        found.join("\n")
    );
}
