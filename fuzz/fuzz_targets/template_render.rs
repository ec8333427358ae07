//! Quick-reply templates: filling `{{variables}}`, search ranking and validation.
//!
//! Input layout: fields separated by NUL bytes — body, contact name, agent name, agent
//! extension (a missing field is an unknown value), then a search query and a language.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_domain::templates::{self, Variables};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut fields = text.split('\0');
    let body = fields.next().unwrap_or_default();
    let vars = Variables {
        contact_name: fields.next().map(str::to_string),
        agent_name: fields.next().map(str::to_string),
        agent_extension: fields.next().map(str::to_string),
    };
    let query = fields.next().unwrap_or_default();
    let language = fields.next().unwrap_or("pt-BR");

    let rendered = templates::render(body, &vars);
    if !body.contains("{{") {
        assert_eq!(
            rendered, body,
            "text without placeholders is kept as written"
        );
    }
    assert_eq!(
        templates::render(body, &Variables::default()),
        body,
        "with no values every placeholder stays as written"
    );

    let _ = templates::match_rank(query, body, &rendered);
    let _ = templates::language_matches(language, "pt-BR");
    if let Some(canonical) = templates::normalize_language(language) {
        assert_eq!(
            templates::normalize_language(&canonical).as_deref(),
            Some(canonical.as_str()),
            "the canonical form of {language:?} is canonical"
        );
    }
    let _ = templates::validate(query, body, language, language);
});
