//! Labelled messages shared by the safety tests and the property tests.

/// Each at least `high` on its own.
pub const HIGH_OR_ABOVE: &[&str] = &[
    "I want to die",
    "I don't want to be alive anymore",
    "I've been thinking about killing myself",
    "Sometimes I wish I could go to sleep and never wake up",
    "Everyone would be better off without me",
    "I'm suicidal",
    "There's no reason to live anymore",
    "I can't go on anymore",
    "I want to hurt myself again",
    "I've been cutting myself again",
    "My friend told me she wants to kill herself",
    "My husband hits me and I'm scared he'll kill me",
    "I'm going to kill my boss",
    "quiero morir",
    "Me quiero matar",
    "je veux mourir",
    "Ich will nicht mehr leben",
    "I don't see the point of living",
    "honestly I just want to top myself",
    "i cant be arsed with living anymore",
    "these thoughts about killing myself won't go away",
];

/// Each `critical` on its own.
pub const CRITICAL: &[&str] = &[
    "I have the pills saved up and I'm going to do it tonight",
    "I took a bunch of pills an hour ago",
    "I wrote my goodbye note",
    "I'm going to kill myself tonight",
    "I tried to kill myself last night",
];

/// Each below `moderate` on its own: idioms, everyday distress, talk about the topic.
pub const NOT_CRISIS: &[&str] = &[
    "This traffic is killing me",
    "I'm dying to see the new movie",
    "I could kill for a coffee right now",
    "I'm so bored to death in this meeting",
    "My feet are killing me after that hike",
    "I had a terrible day at work and I'm exhausted",
    "I'm anxious about my exam tomorrow",
    "I would never kill myself, I just feel stuck",
    "I'm writing an essay on suicide statistics for my psychology class",
    "I killed it at my presentation today!",
    "that joke was to die for",
    "I need to kill the process that hangs my laptop",
];
