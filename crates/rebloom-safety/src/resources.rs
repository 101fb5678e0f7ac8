//! Crisis lines by country (`data/resources.json`), with international
//! guidance for countries not listed. Besides the crisis lines, a country may
//! list lines for one kind of danger ([`Topic`]): domestic violence, a child
//! at risk; they are given when that is the danger.

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
    /// Empty for a crisis line; else the dangers the line is for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<Topic>,
}

/// A kind of danger a line is for, beyond suicide and emotional crisis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    DomesticViolence,
    ChildProtection,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountryResources {
    pub emergency: String,
    pub lines: Vec<Line>,
}

impl CountryResources {
    /// The crisis lines (suicide, emotional crisis), in the file's order.
    pub fn crisis_lines(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|l| l.topics.is_empty())
    }

    /// The lines for `topics`, in that order (a line once, under its first
    /// topic), then the crisis lines.
    pub fn lines_for(&self, topics: &[Topic]) -> Vec<&Line> {
        topics
            .iter()
            .flat_map(|t| {
                self.lines
                    .iter()
                    .filter(move |l| l.topics.first() == Some(t))
            })
            .chain(self.crisis_lines())
            .collect()
    }
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
