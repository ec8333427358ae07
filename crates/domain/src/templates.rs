//! Quick-reply templates: validation, search order and variable filling.

use language_tags::LanguageTag;

use crate::text::fold;

/// The variables a template body may use.
pub const VARIABLES: [&str; 4] = [
    "contact.name",
    "contact.first_name",
    "agent.name",
    "agent.extension",
];

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_BODY_CHARS: usize = 4096;
pub const MAX_CATEGORY_CHARS: usize = 50;

/// A template's fields as an editor submits them, checked and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateFields {
    pub name: String,
    pub body: String,
    pub category: String,
    /// BCP 47, canonical case (`pt-BR`).
    pub language: String,
}

/// One field that is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

fn required(field: &'static str, value: &str, max: usize) -> Result<String, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError {
            field,
            message: format!("{field} must not be empty"),
        });
    }
    if value.chars().count() > max {
        return Err(FieldError {
            field,
            message: format!("{field} may have at most {max} characters"),
        });
    }
    Ok(value.to_string())
}

/// Canonical form of a BCP 47 tag: `pt-br` → `pt-BR`, `EN` → `en`.
pub fn normalize_language(tag: &str) -> Option<String> {
    let parsed = LanguageTag::parse(tag.trim()).ok()?;
    let canonical = parsed.canonicalize().ok()?;
    // Case conventions of BCP 47: language lower, script title, region upper.
    let mut out = Vec::new();
    for (i, part) in canonical.as_str().split('-').enumerate() {
        out.push(match part.len() {
            _ if i == 0 => part.to_lowercase(),
            2 => part.to_uppercase(),
            4 if part.chars().all(|c| c.is_ascii_alphabetic()) => {
                let mut chars = part.chars();
                let first = chars.next().map(|c| c.to_ascii_uppercase());
                first
                    .into_iter()
                    .chain(chars.map(|c| c.to_ascii_lowercase()))
                    .collect()
            }
            _ => part.to_lowercase(),
        });
    }
    Some(out.join("-"))
}

/// Check a submitted template.
pub fn validate(
    name: &str,
    body: &str,
    category: &str,
    language: &str,
) -> Result<TemplateFields, FieldError> {
    Ok(TemplateFields {
        name: required("name", name, MAX_NAME_CHARS)?,
        body: required("body", body, MAX_BODY_CHARS)?,
        category: required("category", category, MAX_CATEGORY_CHARS)?,
        language: normalize_language(language).ok_or_else(|| FieldError {
            field: "language",
            message: format!(
                "language: {language:?} is not a BCP 47 language tag like \"pt-BR\" or \"en\""
            ),
        })?,
    })
}

/// How well a template matches a search; lower sorts first. `None`: no match.
pub fn match_rank(query: &str, name: &str, body: &str) -> Option<u8> {
    let q = fold(query.trim());
    if q.is_empty() {
        return Some(0);
    }
    let n = fold(name);
    if n.starts_with(&q) {
        Some(0)
    } else if n
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| word.starts_with(&q))
    {
        Some(1)
    } else if n.contains(&q) {
        Some(2)
    } else if fold(body).contains(&q) {
        Some(3)
    } else {
        None
    }
}

/// Does a stored language satisfy a language filter? `pt` matches `pt-BR`; `pt-BR` only itself.
pub fn language_matches(filter: &str, language: &str) -> bool {
    let filter = filter.trim().to_lowercase();
    let language = language.to_lowercase();
    language == filter || language.starts_with(&format!("{filter}-"))
}

/// What the variables stand for in one conversation. `None` leaves the variable in the text
/// for the agent to fill in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variables {
    pub contact_name: Option<String>,
    pub agent_name: Option<String>,
    pub agent_extension: Option<String>,
}

/// Fill `{{variable}}` placeholders; unknown variables and unknown values stay as written.
pub fn render(body: &str, vars: &Variables) -> String {
    fill_placeholders(body, |name| match name {
        "contact.name" => vars.contact_name.clone(),
        "contact.first_name" => vars
            .contact_name
            .as_deref()
            .and_then(|n| n.split_whitespace().next())
            .map(str::to_string),
        "agent.name" => vars.agent_name.clone(),
        "agent.extension" => vars.agent_extension.clone(),
        _ => None,
    })
}

/// `text` with each `{{name}}` (spaces around the name allowed) replaced by `value(name)`; a
/// placeholder without a value, and an unclosed `{{`, stay as written.
pub fn fill_placeholders(text: &str, mut value: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        match value(after[..end].trim()) {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The names of `text`'s `{{name}}` placeholders, in order, once each.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    fill_placeholders(text, |name| {
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
        None
    });
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_named_in_order_once_each_and_filled() {
        assert_eq!(
            placeholders("Olá {{1}}, pedido {{ 2 }} ({{1}}) {{"),
            ["1", "2"]
        );
        assert_eq!(
            fill_placeholders("Oi {{name}}, {{other}} {{", |n| (n == "name")
                .then(|| "Ana".into())),
            "Oi Ana, {{other}} {{"
        );
    }

    #[test]
    fn languages_are_checked_and_canonicalised() {
        let table = [
            ("pt-BR", Some("pt-BR")),
            ("pt-br", Some("pt-BR")),
            ("EN", Some("en")),
            ("en-us", Some("en-US")),
            ("zh-hant-tw", Some("zh-Hant-TW")),
            ("português", None),
            ("", None),
        ];
        for (input, expected) in table {
            assert_eq!(normalize_language(input).as_deref(), expected, "{input:?}");
        }
    }

    #[test]
    fn validation_names_the_field() {
        assert_eq!(validate("", "b", "c", "en").unwrap_err().field, "name");
        assert_eq!(validate("n", " ", "c", "en").unwrap_err().field, "body");
        assert_eq!(validate("n", "b", "", "en").unwrap_err().field, "category");
        assert_eq!(
            validate("n", "b", "c", "xx-!!").unwrap_err().field,
            "language"
        );
        assert_eq!(
            validate("n", &"x".repeat(4097), "c", "en")
                .unwrap_err()
                .field,
            "body"
        );
        let ok = validate(" Saudação ", "Olá", "Abertura", "pt-br").unwrap();
        assert_eq!(
            (ok.name.as_str(), ok.language.as_str()),
            ("Saudação", "pt-BR")
        );
    }

    #[test]
    fn ranking_puts_name_prefixes_first_and_ignores_accents() {
        // (query, name, body, rank)
        let table = [
            ("sau", "Saudação inicial", "Olá", Some(0)),
            ("inic", "Saudação inicial", "Olá", Some(1)),
            ("dacao", "Saudação inicial", "Olá", Some(2)),
            ("nao", "Encerramento", "Não hesite em voltar", Some(3)),
            ("NÃO", "Encerramento", "nao hesite", Some(3)),
            ("frete", "Saudação", "Olá", None),
            ("", "anything", "at all", Some(0)),
        ];
        for (q, name, body, rank) in table {
            assert_eq!(
                match_rank(q, name, body),
                rank,
                "{q:?} in {name:?}/{body:?}"
            );
        }
    }

    #[test]
    fn language_filter_accepts_the_base_language() {
        assert!(language_matches("pt", "pt-BR"));
        assert!(language_matches("pt-BR", "pt-BR"));
        assert!(language_matches("pt-br", "pt-BR"));
        assert!(!language_matches("pt-BR", "pt-PT"));
        assert!(!language_matches("p", "pt-BR"));
    }

    #[test]
    fn rendering_fills_known_values_and_leaves_the_rest() {
        let vars = Variables {
            contact_name: Some("Maria Clara Souza".into()),
            agent_name: Some("Ana".into()),
            agent_extension: Some("101".into()),
        };
        let table = [
            (
                "Olá {{contact.first_name}}, sou {{agent.name}} (ramal {{agent.extension}}).",
                "Olá Maria, sou Ana (ramal 101).",
            ),
            ("Sra. {{ contact.name }}", "Sra. Maria Clara Souza"),
            ("Pedido {{order.id}}", "Pedido {{order.id}}"),
            ("Aberto {{contact.name", "Aberto {{contact.name"),
            ("sem variáveis", "sem variáveis"),
        ];
        for (body, expected) in table {
            assert_eq!(render(body, &vars), expected, "{body:?}");
        }
        let unknown = Variables::default();
        assert_eq!(
            render("Olá {{contact.first_name}}!", &unknown),
            "Olá {{contact.first_name}}!"
        );
    }
}
