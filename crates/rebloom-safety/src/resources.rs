//! Crisis lines by country (`data/resources.json`), with international
//! guidance for countries not listed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub name: String,
    pub contact: String,
    pub kind: String,
    pub hours: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountryResources {
    pub emergency: String,
    pub lines: Vec<Line>,
}

#[derive(Deserialize)]
struct File {
    international: CountryResources,
    countries: BTreeMap<String, CountryResources>,
}

/// The resources data, parsed once.
pub struct Directory {
    international: CountryResources,
    countries: BTreeMap<String, CountryResources>,
}

const DATA: &str = include_str!("../data/resources.json");

impl Directory {
    pub fn new() -> Result<Directory, serde_json::Error> {
        let file: File = serde_json::from_str(DATA)?;
        Ok(Directory {
            international: file.international,
            countries: file.countries,
        })
    }

    /// The country's resources (ISO 3166-1 alpha-2), else international guidance.
    /// The second value says whether the country was found.
    pub fn for_country(&self, country: Option<&str>) -> (&CountryResources, bool) {
        match country.and_then(|c| self.countries.get(&c.to_ascii_uppercase())) {
            Some(r) => (r, true),
            None => (&self.international, false),
        }
    }

    pub fn countries(&self) -> impl Iterator<Item = &str> {
        self.countries.keys().map(String::as_str)
    }
}
