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

#[test]
fn the_stores_sql_is_written_once_for_both_backends() {
    // Every statement on the product's tables lives in store/sql (shared by SQLite and
    // PostgreSQL, dialect differences in its Dialect); a backend's own folder keeps only what is
    // its own: connections, transactions, migrations bookkeeping, locks, LISTEN/NOTIFY and the
    // PostgreSQL-only shared request counts (an unlogged table, not matched below).
    let store = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
    let migrations = store.join("sql/migrations");
    let mut tables = Vec::new();
    for file in std::fs::read_dir(&migrations).expect("the migrations folder exists") {
        let text = std::fs::read_to_string(file.expect("a migration").path()).expect("readable");
        for words in text.split("CREATE TABLE ").skip(1) {
            let name: String = words
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            tables.push(name);
        }
    }
    assert!(
        tables.iter().any(|t| t == "conversations") && tables.len() > 10,
        "the tables are read from {}: {tables:?}",
        migrations.display()
    );
    let mut found = Vec::new();
    for backend in ["sqlite", "postgres"] {
        for file in rust_files(&store.join(backend)) {
            let text = std::fs::read_to_string(&file).expect("readable source");
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                let uses = |table: &String| {
                    ["FROM ", "INTO ", "UPDATE ", "JOIN "].iter().any(|verb| {
                        code.split(verb).skip(1).any(|rest| {
                            rest.strip_prefix(table.as_str()).is_some_and(|after| {
                                !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                            })
                        })
                    })
                };
                if let Some(table) = tables.iter().find(|t| uses(t)) {
                    found.push(format!(
                        "{}:{}: {table}: {}",
                        file.display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "statements on the product's tables belong in store/sql/tx.rs, written once for both \
         backends (a dialect difference goes in store/sql's Dialect):\n{}",
        found.join("\n")
    );
}
