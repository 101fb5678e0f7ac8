//! The words of the synthetic population: what people write, what the
//! companion answers, and what check-ins and memories hold.

pub const USER_SENTENCES: [&str; 24] = [
    "I couldn't sleep again last night.",
    "Work has been really overwhelming this week and I keep falling behind.",
    "My sister called and we argued about mum's care again.",
    "I tried the breathing exercise before the meeting and it helped a bit.",
    "Honestly I don't know why I feel so flat today.",
    "I went for a walk by the river after lunch.",
    "Everyone at the office seems to cope better than me.",
    "I keep replaying what my manager said in the review.",
    "It was a good day, I actually finished the report early.",
    "My chest gets tight whenever I open my inbox.",
    "I've been skipping meals because I'm not hungry.",
    "Talking to my friend Sam on Saturday made me feel less alone.",
    "I'm worried about money now that the rent went up.",
    "The kids were great today and we baked together.",
    "I snapped at my partner and I feel guilty about it.",
    "Can we try that grounding thing again?",
    "I noticed I was catastrophising like we talked about.",
    "My exam is on Thursday and I can't focus at all.",
    "I feel like I'm a burden to the people around me.",
    "Yoga class was cancelled so I stayed in bed.",
    "I wrote three things I was grateful for, like you suggested.",
    "My therapist appointment got moved to next month.",
    "I'm proud that I said no to the extra project.",
    "Some days it feels like nothing will change.",
];

pub const REPLY_SENTENCES: [&str; 24] = [
    "That sounds really exhausting, and it makes sense that you feel worn down.",
    "Thank you for telling me about it; it takes courage to put it into words.",
    "Would it help to look at what is in your control this week and what isn't?",
    "Let's try a slow breath together: in for four, hold for four, out for six.",
    "It sounds like part of you is being very hard on yourself right now.",
    "What would you say to a friend who was in exactly this situation?",
    "Noticing the thought as a thought, rather than a fact, is a real skill, and you just used it.",
    "Sleep problems can make everything else feel heavier, so let's be gentle with today.",
    "You mentioned Sam last time; reaching out seemed to help then.",
    "One small step could be enough for tonight: a glass of water and ten quiet minutes.",
    "It's okay to have days that feel flat; they don't undo the progress you've made.",
    "Arguments with family about care decisions are among the most draining there are.",
    "If the tightness in your chest comes back, try placing a hand there and breathing into it.",
    "What is one thing that went even slightly better than you expected?",
    "Setting that boundary at work sounds like it mattered to you.",
    "I'm here with you, and we can take this one piece at a time.",
    "Money worries can sit in the background of everything; would a simple plan help?",
    "Guilt after snapping often shows how much the relationship matters to you.",
    "Would you like to try the five-four-three-two-one grounding exercise now?",
    "It sounds like the exam pressure is crowding out rest; when did you last take a break?",
    "Those are kind words to say about yourself, and they are true.",
    "If you ever feel unsafe, you can reach a crisis line at any hour, and I can share the number.",
    "Let's write down the worry, then one thing you could do about it tomorrow.",
    "You've been carrying a lot, and you still showed up here today.",
];

pub const EMOTIONS: [&str; 10] = [
    "anxiety",
    "sadness",
    "joy",
    "anger",
    "fear",
    "gratitude",
    "loneliness",
    "hope",
    "guilt",
    "calm",
];

pub const TRIGGERS: [&str; 8] = [
    "work", "sleep", "family", "money", "exercise", "friends", "health", "study",
];

pub const MEMORIES: [(&str, &str); 8] = [
    (
        "person",
        "Their sister lives nearby and they talk most weekends",
    ),
    ("stressor", "Deadlines at work make them anxious"),
    ("coping", "Walking by the river helps them calm down"),
    ("goal", "They want to sleep before midnight on weeknights"),
    ("person", "Sam is a close friend who listens well"),
    ("stressor", "Rent went up and money feels tight"),
    ("coping", "Box breathing before meetings helps"),
    ("note", "They have a therapist appointment each month"),
];
