//! Small, concrete next steps for a goal, by its category and how far along
//! it is (fixed sentences, English for now).

/// Two small, concrete steps for a goal of `category` at `progress` percent:
/// getting started below 30, keeping going below 80, making it last above.
pub fn next_steps(category: Option<&str>, progress: i32) -> Vec<String> {
    let stage = match progress {
        ..30 => 0,
        30..80 => 1,
        _ => 2,
    };
    let steps: [[&str; 2]; 3] = match category.unwrap_or("other") {
        "sleep" => [
            [
                "Pick one wake-up time and keep it for the next three days.",
                "Put screens away 30 minutes before bed tonight.",
            ],
            [
                "Note how you slept each morning this week, in a word or two.",
                "Keep the wake-up time on one weekend day too.",
            ],
            [
                "Write down the two habits that helped your sleep most.",
                "Plan what you will do on a night when sleep goes badly.",
            ],
        ],
        "anxiety" => [
            [
                "Try one slow breathing exercise today (4 in, 6 out, for 2 minutes).",
                "Write down one worry and what you would tell a friend about it.",
            ],
            [
                "Do one small thing you have been avoiding, for 10 minutes.",
                "Notice one moment this week when anxiety eased, and what helped.",
            ],
            [
                "List the three tools that calm you fastest.",
                "Choose one situation to practise in again next week.",
            ],
        ],
        "stress" => [
            [
                "Write down the three things weighing on you most.",
                "Take a 10-minute break away from screens today.",
            ],
            [
                "Pick one task to drop, delegate or postpone this week.",
                "Add one short pause between two tasks each day.",
            ],
            [
                "Note the early signs that stress is building for you.",
                "Plan one restful thing for the week ahead.",
            ],
        ],
        "mood" => [
            [
                "Do one small thing you used to enjoy, for 15 minutes.",
                "Check in with your mood once a day this week.",
            ],
            [
                "Plan one pleasant activity for each of the next three days.",
                "Notice which activities lift your mood even a little.",
            ],
            [
                "Write down what has helped most, to return to on hard days.",
                "Share one good moment with someone you trust.",
            ],
        ],
        "relationships" => [
            [
                "Send a short message to one person you miss.",
                "Think of one thing you would like to say more often.",
            ],
            [
                "Plan a call or a meeting with someone this week.",
                "Practise saying one need kindly and clearly.",
            ],
            [
                "Notice which connections leave you feeling better.",
                "Make a regular time for someone who matters to you.",
            ],
        ],
        "self_care" => [
            [
                "Choose one kind thing to do for yourself today.",
                "Drink a glass of water and eat something nourishing.",
            ],
            [
                "Put one self-care moment in your calendar each day.",
                "Notice what gets in the way, without judging it.",
            ],
            [
                "Keep the habit that mattered most, even on busy days.",
                "Write yourself a note for a day when it is hard.",
            ],
        ],
        "activity" => [
            [
                "Take a 10-minute walk today.",
                "Choose a time of day that suits you to move.",
            ],
            [
                "Add five minutes to one walk or activity this week.",
                "Try one new kind of movement you might enjoy.",
            ],
            [
                "Plan your activity for the next week in advance.",
                "Notice how your mood changes after moving.",
            ],
        ],
        "work_study" => [
            [
                "Break the next task into steps of 25 minutes or less.",
                "Decide one thing you will not do today.",
            ],
            [
                "Keep a short list of what you finished each day.",
                "Take a real break between two blocks of work.",
            ],
            [
                "Notice the routine that helped you most.",
                "Set a clear end to your working day.",
            ],
        ],
        "mindfulness" => [
            [
                "Try two minutes of mindful breathing today.",
                "Notice five things you can see, right now.",
            ],
            [
                "Practise at the same time each day this week.",
                "Bring full attention to one everyday task.",
            ],
            [
                "Try a longer practice once this week.",
                "Use a short pause when you notice strong feelings.",
            ],
        ],
        _ => [
            [
                "Write down why this goal matters to you.",
                "Choose one first step small enough to do today.",
            ],
            [
                "Pick the next small step and when you will do it.",
                "Notice what helped you move forward so far.",
            ],
            [
                "Think about how to keep this going.",
                "Take a moment to acknowledge how far you have come.",
            ],
        ],
    };
    steps[stage].iter().map(|s| (*s).to_owned()).collect()
}
