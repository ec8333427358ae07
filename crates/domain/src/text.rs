//! Text matching as people expect it: case- and accent-insensitive ("nao" finds "não").

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lower-case, decompose and drop the combining marks.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Does `haystack` contain `needle`, ignoring case and accents?
pub fn contains_folded(haystack: &str, needle: &str) -> bool {
    fold(haystack).contains(&fold(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_and_accents() {
        let table = [
            ("João Conceição", "joao conceicao"),
            ("NÃO", "nao"),
            ("Ärger", "arger"),
            ("plain", "plain"),
        ];
        for (input, folded) in table {
            assert_eq!(fold(input), folded, "{input}");
        }
        assert!(contains_folded("Olá, não posso", "NAO"));
        assert!(!contains_folded("sim", "nao"));
    }
}
