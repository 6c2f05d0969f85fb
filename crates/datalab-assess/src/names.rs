//! Column-name vocabulary shared by the profiler's inferred checks.

/// Lower-cases, folds the accents of the six supported languages and keeps letters only.
pub fn fold(name: &str) -> String {
    name.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'å' | 'ä' | 'à' | 'á' | 'â' => 'a',
            'ö' | 'ø' | 'ó' | 'ô' => 'o',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ü' | 'ù' | 'û' => 'u',
            'ï' | 'î' => 'i',
            'ç' => 'c',
            'æ' => 'a',
            'ß' => 's',
            other => other,
        })
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Whether a column name means "date of birth" in EN, SV, DA, NL, DE or FR.
pub fn means_birth_date(name: &str) -> bool {
    let f = fold(name);
    [
        "birth",
        "dob",
        "born",
        "fodelse",
        "fodd",
        "fodsel",
        "geboorte",
        "geburt",
        "naissance",
    ]
    .iter()
    .any(|w| f.contains(w))
        && ![
            "place",
            "country",
            "city",
            "town",
            "geburtsort",
            "fodelseort",
            "fodeort",
            "fodested",
            "land",
            "lieu",
            "plaats",
            "stad",
            "weight",
            "gewicht",
            "vikt",
            "poids",
        ]
        .iter()
        .any(|w| f.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birth_date_in_six_languages() {
        for n in [
            "birth_date",
            "DOB",
            "födelsedatum",
            "fødselsdato",
            "geboortedatum",
            "Geburtsdatum",
            "date_de_naissance",
        ] {
            assert!(means_birth_date(n), "{n}");
        }
        for n in [
            "admission_date",
            "birth_country",
            "Geburtsort",
            "lieu_de_naissance",
            "discharge",
        ] {
            assert!(!means_birth_date(n), "{n}");
        }
    }
}
