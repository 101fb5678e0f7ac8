//! Writing a reply: choosing templates without repeating recent ones, and
//! what every part of the engine needs to know about the current turn.

use crate::Persona;

use super::content::{contract, placeholders, render};
use super::language::Lang;
use super::state::EngineState;
use crate::text::{self, hash};

/// The therapeutic approach the person chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approach {
    Cbt,
    Dbt,
    Act,
    Mindfulness,
    PersonCentred,
    Unset,
}

impl Approach {
    pub fn parse(value: Option<&str>) -> Approach {
        let v = value.map(text::normalize).unwrap_or_default();
        match v.trim().replace(' ', "").as_str() {
            "cbt" => Approach::Cbt,
            "dbt" => Approach::Dbt,
            "act" => Approach::Act,
            "mindfulness" => Approach::Mindfulness,
            "personcentred" | "personcentered" => Approach::PersonCentred,
            _ => Approach::Unset,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    Short,
    Medium,
    Long,
}

impl Length {
    pub fn parse(value: Option<&str>) -> Length {
        match value.map(str::trim) {
            Some(v) if v.eq_ignore_ascii_case("short") => Length::Short,
            Some(v) if v.eq_ignore_ascii_case("long") => Length::Long,
            _ => Length::Medium,
        }
    }
}

/// The current turn, as every part of the engine sees it.
pub struct Turn<'a> {
    /// Languages to understand; the first is the one to answer in.
    pub langs: Vec<&'a Lang>,
    /// The person's latest message, as written.
    pub text: &'a str,
    pub norm: String,
    pub persona: &'a Persona,
    pub approach: Approach,
    pub length: Length,
    /// Replies given before this one.
    pub turn: u32,
    /// No reply has been given in this conversation yet.
    pub first: bool,
}

impl Turn<'_> {
    pub fn name(&self) -> Option<&str> {
        self.persona
            .display_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty() && n.chars().count() <= 40)
    }
}

/// Builds the reply text, one template at a time.
pub struct Writer<'a> {
    lang: &'a Lang,
    seed: u64,
    picks: u64,
    recent: Vec<String>,
    out: String,
    sep: &'static str,
}

impl<'a> Writer<'a> {
    pub fn new(lang: &'a Lang, seed: u64, recent: Vec<String>) -> Writer<'a> {
        Writer {
            lang,
            seed,
            picks: 0,
            recent,
            out: String::new(),
            sep: " ",
        }
    }

    pub fn lang(&self) -> &'a Lang {
        self.lang
    }

    pub fn word(&self, key: &str) -> &'a str {
        self.lang.word(key)
    }

    /// A deterministic coin flip, different for each call in a turn.
    pub fn coin(&mut self) -> bool {
        self.picks += 1;
        hash(&[&self.seed.to_le_bytes(), b"coin", &self.picks.to_le_bytes()]).is_multiple_of(2)
    }

    /// Renders one template of `slot` that every placeholder of which has a
    /// value, preferring ones not used lately; `None` if none fits.
    pub fn pick(&mut self, slot: &str, vars: &[(&str, &str)]) -> Option<String> {
        self.choose(slot, vars, false, false)
    }

    /// Like [`Writer::pick`], but only among the templates that use the most
    /// of the values given (so a step can echo what the person wrote).
    pub fn pick_rich(&mut self, slot: &str, vars: &[(&str, &str)]) -> Option<String> {
        self.choose(slot, vars, true, false)
    }

    fn choose(
        &mut self,
        slot: &str,
        vars: &[(&str, &str)],
        rich: bool,
        fresh_only: bool,
    ) -> Option<String> {
        let list = self.lang.c.templates.get(slot)?;
        let uses = |i: usize| -> Option<usize> {
            let names = placeholders(&list[i]).ok()?;
            let all_given = names
                .iter()
                .all(|n| vars.iter().any(|(k, v)| k == n && !v.is_empty()));
            all_given.then_some(names.len())
        };
        let mut fits: Vec<usize> = (0..list.len()).filter(|&i| uses(i).is_some()).collect();
        if rich {
            let most = fits.iter().filter_map(|&i| uses(i)).max().unwrap_or(0);
            fits.retain(|&i| uses(i) == Some(most));
        }
        if fits.is_empty() {
            return None;
        }
        let ids: Vec<String> = fits.iter().map(|i| format!("{slot}#{i}")).collect();
        let fresh: Vec<usize> = (0..fits.len())
            .filter(|&j| !self.recent.contains(&ids[j]))
            .collect();
        if fresh.is_empty() && fresh_only {
            return None;
        }
        self.picks += 1;
        let j = if fresh.is_empty() {
            // All used lately: take the one used longest ago.
            (0..fits.len())
                .min_by_key(|&j| self.recent.iter().position(|r| *r == ids[j]))
                .unwrap_or(0)
        } else {
            let h = hash(&[
                &self.seed.to_le_bytes(),
                slot.as_bytes(),
                &self.picks.to_le_bytes(),
            ]);
            fresh[(h % fresh.len() as u64) as usize]
        };
        EngineState::remember_recent(&mut self.recent, ids[j].clone());
        Some(contract(
            &render(&list[fits[j]], vars),
            &self.lang.c.contractions,
        ))
    }

    /// Adds a template of `slot` to the current paragraph; false if none fits.
    pub fn say(&mut self, slot: &str, vars: &[(&str, &str)]) -> bool {
        match self.pick(slot, vars) {
            Some(t) => {
                self.push(&t);
                true
            }
            None => false,
        }
    }

    /// Like [`Writer::say`], for a sentence the reply can do without: said
    /// only in a phrasing not used lately, never repeated.
    pub fn say_fresh(&mut self, slot: &str, vars: &[(&str, &str)]) -> bool {
        match self.choose(slot, vars, false, true) {
            Some(t) => {
                self.push(&t);
                true
            }
            None => false,
        }
    }

    /// Adds the richest fitting template of `slot` (see [`Writer::pick_rich`]).
    pub fn say_rich(&mut self, slot: &str, vars: &[(&str, &str)]) -> bool {
        match self.pick_rich(slot, vars) {
            Some(t) => {
                self.push(&t);
                true
            }
            None => false,
        }
    }

    /// Adds a template of `slot` on a line of its own.
    pub fn line(&mut self, slot: &str, vars: &[(&str, &str)]) -> bool {
        self.newline();
        self.say(slot, vars)
    }

    pub fn push(&mut self, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        if !self.out.is_empty() {
            self.out.push_str(self.sep);
        }
        self.out.push_str(text);
        self.sep = " ";
    }

    pub fn newline(&mut self) {
        if self.sep != "\n\n" {
            self.sep = "\n";
        }
    }

    pub fn paragraph(&mut self) {
        self.sep = "\n\n";
    }

    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    pub fn ends_with_question(&self) -> bool {
        self.out.trim_end().ends_with('?')
    }

    pub fn finish(self) -> (String, Vec<String>) {
        (self.out, self.recent)
    }
}

/// "a, b and c" in the reply language.
pub fn join_list(items: &[&str], last: &str, sep: &str) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., tail] => format!("{} {last} {tail}", init.join(sep)),
    }
}
