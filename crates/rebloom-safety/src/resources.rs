//! Crisis lines by country (`data/resources.json`), with international
//! guidance for countries not listed. Besides the crisis lines, a country may
//! list lines for one kind of danger ([`Topic`]): domestic violence, a child
//! at risk; they are given when that is the danger.

use std::collections::{BTreeMap, BTreeSet};

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
    /// The digits of every number listed (emergency numbers and lines).
    numbers: BTreeSet<String>,
}

const DATA: &str = include_str!("../data/resources.json");

impl Directory {
    pub fn new() -> Result<Directory, serde_json::Error> {
        let file: File = serde_json::from_str(DATA)?;
        let numbers = std::iter::once(&file.international)
            .chain(file.countries.values())
            .flat_map(|r| {
                std::iter::once(r.emergency.as_str())
                    .chain(r.lines.iter().map(|l| l.contact.as_str()))
            })
            .flat_map(|contact| {
                // "call 1-800-799-7233 or text START to 88788": the runs between words.
                contact
                    .split(|c: char| c.is_alphabetic() || matches!(c, ',' | ';' | '/'))
                    .map(|run| run.chars().filter(char::is_ascii_digit).collect::<String>())
                    .filter(|digits| digits.len() >= 3)
                    .collect::<Vec<_>>()
            })
            .collect();
        Ok(Directory {
            international: file.international,
            countries: file.countries,
            numbers,
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

    /// Whether `digits` (a number's digits alone) is a number the directory
    /// lists anywhere: a crisis line, not a private contact.
    pub fn lists_number(&self, digits: &str) -> bool {
        self.numbers.contains(digits)
    }

    pub fn countries(&self) -> impl Iterator<Item = &str> {
        self.countries.keys().map(String::as_str)
    }
}
