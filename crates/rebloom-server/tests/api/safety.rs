//! The safety plan, crisis resources by country, and crisis events recorded
//! (without message text) when a crisis is detected.

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::harness::Ctx;

cases! {
    safety_plan: [sqlite, postgres];
    resources_by_country: [sqlite];
    crisis_events_recorded: [sqlite, postgres];
    safety_plan_built_in_conversation: [sqlite, postgres];
    trusted_contact_offered_at_critical: [sqlite, postgres];
    crisis_detection_with_the_encoder: [sqlite, postgres];
    session_risk_state: [sqlite, postgres];
    crisis_dialogue: [sqlite, postgres];
    crisis_state_on_every_device: [sqlite, postgres];
    check_in_after_a_questionnaire: [sqlite, postgres];
}

const PASSWORD: &str = "a long unusual passphrase";

async fn safety_plan(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("plan@example.org", PASSWORD).await;
    app.set_profile(&s, json!({ "country": "AU" })).await;
    // Empty at first, with the country's crisis lines pre-filled.
    let empty = app
        .get("/api/me/safety-plan")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(empty["warningSigns"], json!([]));
    assert_eq!(empty["emergencyNumber"], "000");
    assert!(
        empty["crisisLines"].to_string().contains("13 11 14"),
        "{empty}"
    );
    assert!(empty["updatedAt"].is_null());
    let plan = json!({
        "warningSigns": ["Not sleeping", "Pulling away from friends"],
        "copingStrategies": ["A walk by the river", "Box breathing"],
        "distractions": [{ "name": "The library" }],
        "peopleToAsk": [{ "name": "Sam", "contact": "0400 000 000" }],
        "professionals": [{ "name": "Dr Lee (GP)", "contact": "02 0000 0000" }],
        "saferEnvironment": ["Ask Sam to keep my medication"],
        "reasonsForLiving": ["My dog", "My sister"]
    });
    let saved = app
        .request(reqwest::Method::PUT, "/api/me/safety-plan")
        .token(&s.access)
        .json(&plan)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(saved["peopleToAsk"][0]["contact"], "0400 000 000");
    assert_eq!(saved["reasonsForLiving"], json!(["My dog", "My sister"]));
    assert!(saved["updatedAt"].is_string());
    let again = app
        .get("/api/me/safety-plan")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(again["warningSigns"], plan["warningSigns"]);
    // Invalid entries are named; nothing changes.
    let bad = app
        .request(reqwest::Method::PUT, "/api/me/safety-plan")
        .token(&s.access)
        .json(&json!({ "warningSigns": ["", "x".repeat(501)], "peopleToAsk": [{ "name": "  " }] }))
        .send()
        .await
        .problem(422, "validation_failed");
    let fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec!["warningSigns[0]", "warningSigns[1]", "peopleToAsk[0].name"]
    );
    let unchanged = app
        .get("/api/me/safety-plan")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(unchanged["warningSigns"], plan["warningSigns"]);
    // Another person's plan is their own.
    let other = app.register("plan2@example.org", PASSWORD).await;
    let theirs = app
        .get("/api/me/safety-plan")
        .token(&other.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(theirs["warningSigns"], json!([]));
    app.get("/api/me/safety-plan")
        .send()
        .await
        .problem(401, "token_missing");
}

async fn resources_by_country(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let us = app
        .get("/api/safety/resources?country=us")
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(
        (us["country"].as_str(), us["emergencyNumber"].as_str()),
        (Some("US"), Some("911"))
    );
    assert!(us["lines"].to_string().contains("988"));
    let unknown = app
        .get("/api/safety/resources?country=ZZ")
        .send()
        .await
        .success(StatusCode::OK);
    assert!(unknown["country"].is_null() && unknown["emergencyNumber"].is_null());
    assert!(unknown["lines"].to_string().contains("findahelpline.com"));
    let none = app
        .get("/api/safety/resources")
        .send()
        .await
        .success(StatusCode::OK);
    assert!(none["lines"].to_string().contains("findahelpline.com"));
}

async fn crisis_events_recorded(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("events@example.org", PASSWORD).await;
    let started = app
        .post("/api/conversations")
        .token(&s.access)
        .json(&json!({ "message": "I'm thinking about killing myself" }))
        .send()
        .await
        .success(StatusCode::CREATED);
    assert_eq!(started["aiResponse"]["safety"]["riskLevel"], "high");
    let user_id = Uuid::parse_str(s.id()).unwrap();
    let events = app
        .state
        .store
        .list_crisis_events(user_id, 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        (e.risk_level.as_str(), e.intervention_type.as_str()),
        ("high", "crisis_resources")
    );
    assert_eq!(
        e.message_id.map(|m| m.to_string()),
        started["message"]["id"].as_str().map(str::to_owned)
    );
    assert!(e.categories.to_string().contains("suicidal_ideation"));
    // Everyday messages record nothing.
    app.post(&format!("/api/conversations/{}/messages", s.id()))
        .token(&s.access)
        .json(&json!({ "message": "thank you for listening", "sessionId": started["sessionId"] }))
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(
        app.state
            .store
            .list_crisis_events(user_id, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn safety_plan_built_in_conversation(ctx: Ctx) {
    // A language model is configured; building the plan is still the guided engine's.
    let model = crate::conversations::openai_stub(&["I hear you. ", "Tell me more."], true).await;
    let app = ctx
        .spawn_app_with(|c| c.openai_base_url = Some(model))
        .await;
    let s = app.register("plan-chat@example.org", PASSWORD).await;
    app.set_profile(&s, json!({ "country": "GB" })).await;
    let started = app
        .post("/api/conversations")
        .token(&s.access)
        .json(&json!({ "message": "I keep thinking about killing myself" }))
        .send()
        .await
        .success(StatusCode::CREATED);
    let crisis = &started["aiResponse"];
    assert_eq!(crisis["safety"]["riskLevel"], "high");
    assert!(
        crisis["content"].as_str().unwrap().contains("safety plan"),
        "{crisis}"
    );
    let session = &started["sessionId"];

    let first = app.say(&s, session, "ok, let's make the safety plan").await;
    assert_eq!(first["aiResponse"]["provider"], "guided", "{first}");
    let answers = [
        "not sleeping, staying in my room all day",
        "a walk, music",
        "the library and the climbing gym",
        "my sister Ana",
        "Dr Patel at the surgery",
        "ask my flatmate to keep certain things for a while",
        "my dog, my niece",
    ];
    let mut last = first;
    for a in answers {
        last = app.say(&s, session, a).await;
        assert_eq!(last["aiResponse"]["provider"], "guided", "{a}: {last}");
    }
    assert!(
        last["aiResponse"]["content"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("safety plan"),
        "the summary says where the plan is: {last}"
    );
    let plan = app
        .get("/api/me/safety-plan")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(
        plan["warningSigns"],
        json!(["not sleeping", "staying in my room all day"])
    );
    assert_eq!(plan["copingStrategies"], json!(["a walk", "music"]));
    assert_eq!(plan["distractions"][1]["name"], "the climbing gym");
    assert_eq!(plan["peopleToAsk"], json!([{ "name": "my sister Ana" }]));
    assert_eq!(
        plan["professionals"],
        json!([{ "name": "Dr Patel at the surgery" }])
    );
    assert_eq!(plan["reasonsForLiving"], json!(["my dog", "my niece"]));
    assert!(
        plan["crisisLines"].to_string().contains("116 123"),
        "{plan}"
    );
    // After the plan, the configured model answers again.
    let after = app.say(&s, session, "thanks, that helped a bit").await;
    // The plan is over: the safety layer (still checking in after the earlier
    // disclosure) or the configured model answers again, not the plan.
    assert_ne!(after["aiResponse"]["provider"], "guided", "{after}");

    // Built again later: new items are added, nothing is lost or doubled.
    let again = app.say(&s, session, "can we make a safety plan").await;
    assert_eq!(again["aiResponse"]["provider"], "guided");
    for a in [
        "not sleeping, skipping meals",
        "skip",
        "skip",
        "skip",
        "skip",
        "skip",
        "skip",
    ] {
        app.say(&s, session, a).await;
    }
    let plan = app
        .get("/api/me/safety-plan")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(
        plan["warningSigns"],
        json!([
            "not sleeping",
            "staying in my room all day",
            "skipping meals"
        ])
    );
    assert_eq!(plan["reasonsForLiving"], json!(["my dog", "my niece"]));
}

async fn trusted_contact_offered_at_critical(ctx: Ctx) {
    let (smtp_url, mut mails) = crate::notifications::smtp_server().await;
    let app = ctx
        .spawn_app_with(|c| {
            c.smtp_url = Some(secrecy::SecretString::from(smtp_url));
            c.job_poll_ms = 20;
        })
        .await;
    let s = app.register("offer@example.org", PASSWORD).await;
    app.set_profile(&s, json!({ "country": "US" })).await;
    app.request(reqwest::Method::PUT, "/api/me/trusted-contact")
        .token(&s.access)
        .json(&json!({ "name": "Jordan", "email": "jordan@example.org", "consent": true }))
        .send()
        .await
        .success(StatusCode::OK);
    // High, not critical: no offer.
    let started = app
        .post("/api/conversations")
        .token(&s.access)
        .json(&json!({ "message": "I want to kill myself" }))
        .send()
        .await
        .success(StatusCode::CREATED);
    let session = &started["sessionId"];
    assert!(
        !started["aiResponse"]["content"]
            .as_str()
            .unwrap()
            .contains("Jordan")
    );
    // Critical: the offer, once; a bare "yes" (the reply also asks a yes/no question) sends nothing.
    let critical = app
        .say(
            &s,
            session,
            "I have the pills in my hand and I'm taking them tonight",
        )
        .await;
    assert_eq!(critical["aiResponse"]["safety"]["riskLevel"], "critical");
    let text = critical["aiResponse"]["content"].as_str().unwrap();
    assert!(text.contains("911"), "{text}");
    assert!(text.contains("tell Jordan"), "{text}");
    for refusal in ["don’t tell Jordan", "I'll call a helpline myself"] {
        let r = app.say(&s, session, refusal).await;
        assert!(
            !r["aiResponse"]["content"]
                .as_str()
                .unwrap()
                .contains("sent Jordan"),
            "{refusal}"
        );
    }
    let yes = app.say(&s, session, "yes").await;
    assert!(
        !yes["aiResponse"]["content"]
            .as_str()
            .unwrap()
            .contains("sent Jordan")
    );
    assert!(
        app.get("/api/me/trusted-contact")
            .token(&s.access)
            .send()
            .await
            .json()["lastNotifiedAt"]
            .is_null()
    );
    // Asked in so many words: the e-mail goes, and the reply says so and stays.
    let asked = app.say(&s, session, "please tell Jordan").await;
    let reply = asked["aiResponse"]["content"].as_str().unwrap();
    assert!(reply.starts_with("I've sent Jordan a message"), "{reply}");
    let mail = crate::notifications::next(&mut mails, "trusted-contact e-mail").await;
    assert_eq!(mail.to, ["<jordan@example.org>"]);
    assert!(mail.data.contains("call 911"), "{}", mail.data);
    assert!(!mail.data.contains("pills"));
    // Asking again within the hour sends nothing more.
    let again = app.say(&s, session, "tell Jordan again").await;
    assert!(
        again["aiResponse"]["content"]
            .as_str()
            .unwrap()
            .starts_with("I already let Jordan know")
    );
}

/// With the multilingual encoder (fetched by scripts/models.sh; the test fails
/// without it): `/ready` says detection is full, and disclosures the phrase
/// rules have no words for (Hinglish, Arabic, a euphemism) reach the crisis
/// protocol, through the same pipeline every message takes.
async fn crisis_detection_with_the_encoder(ctx: Ctx) {
    let models = crate::harness::models_with("multilingual-e5-small/e5-small-q4.bin");
    let app = ctx.spawn_app_with(|c| c.models_dir = models).await;
    let ready = app.get("/ready").send().await.success(StatusCode::OK);
    assert_eq!(ready["crisisDetection"], "full", "{ready}");
    let s = app.register("encoder@example.org", PASSWORD).await;
    // A new conversation, and the companion's first reply in it.
    let start = async |message: &str| {
        app.post("/api/conversations")
            .token(&s.access)
            .json(&json!({ "message": message }))
            .send()
            .await
            .success(StatusCode::CREATED)
    };
    let reply_to = async |message: &str| start(message).await["aiResponse"].clone();
    let level_of = async |message: &str| {
        reply_to(message).await["safety"]["riskLevel"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    for message in [
        "yaar sach bolu toh ab jeene ka mann hi nahi karta, sab khatam kar dena chahta hoon",
        "لم أعد أريد أن أعيش، أفكر في إنهاء حياتي",
        "i've written letters to everyone and i won't be a burden to them after tonight",
    ] {
        let level = level_of(message).await;
        assert!(
            level == "high" || level == "critical",
            "{message:?} assessed {level}"
        );
    }
    // Ordinary messages stay ordinary: a calm evening, terse replies and
    // questions to the companion (terse replies and questions are in the
    // training corpus: a regression guard, not a measure).
    for message in [
        "I made pasta tonight and watched a film with my sister",
        "ok",
        "thank you",
        "whatever",
        "gracias",
        "what is CBT exactly?",
    ] {
        let level = level_of(message).await;
        assert!(
            level == "none" || level == "low",
            "{message:?} assessed {level}"
        );
    }
    // A panic attack is acute anxiety: breathing at once with when to call
    // emergency services, not the suicide crisis protocol; then grounding
    // without the emergency line again, and it ends when it eases.
    let panic = start("I'm having a panic attack, I can't breathe").await;
    let reply = &panic["aiResponse"];
    assert_eq!(reply["safety"]["riskLevel"], "moderate", "{reply}");
    assert_eq!(reply["safety"]["categories"], json!(["panic"]), "{reply}");
    let text = reply["content"].as_str().unwrap_or("");
    assert!(text.contains("emergency number"), "{text}");
    assert!(!text.contains("ending your life"), "{text}");
    let calm = app
        .say(
            &s,
            &panic["sessionId"],
            "it's not an emergency, my doctor checked my heart, help me calm down",
        )
        .await;
    let text = calm["aiResponse"]["content"].as_str().unwrap_or("");
    assert_eq!(calm["aiResponse"]["provider"], "safety", "{calm}");
    assert!(!text.contains("emergency"), "{text}");
    assert!(
        calm["aiResponse"]["safety"]["resources"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "{calm}"
    );
    let eased = app.say(&s, &panic["sessionId"], "thanks, I'm ok now").await;
    let text = eased["aiResponse"]["content"].as_str().unwrap_or("");
    assert!(text.contains("glad"), "{eased}");
    assert_eq!(
        repeated_sentences(&[panic.clone(), calm, eased]),
        Vec::<String>::new()
    );

    // Believed, the person is back in an ordinary conversation: what the
    // learned layer alone reads as a little risk right after a clear safety
    // answer does not start the crisis protocol again.
    let opened = start("I don't want to be alive anymore").await;
    let answered = app
        .say(
            &s,
            &opened["sessionId"],
            "No, I'm not thinking about ending my life right now",
        )
        .await;
    assert!(
        answered["aiResponse"]["content"]
            .as_str()
            .unwrap_or("")
            .contains("believe you"),
        "{answered}"
    );
    let next = app
        .say(&s, &opened["sessionId"], "can you help me plan my week?")
        .await;
    let level = next["aiResponse"]["safety"]["riskLevel"]
        .as_str()
        .unwrap_or("");
    assert!(level == "none" || level == "low", "{next}");

    // Answered in the language the person writes in, whatever the profile
    // says (English here), with their country's lines and emergency number.
    app.set_profile(&s, json!({ "country": "PT" })).await;
    let started =
        start("não aguento mais, já não quero viver, penso em acabar com a minha vida").await;
    let reply = &started["aiResponse"];
    let text = reply["content"].as_str().unwrap_or("");
    assert!(
        ["high", "critical"].contains(&reply["safety"]["riskLevel"].as_str().unwrap_or("")),
        "{reply}"
    );
    assert!(text.contains("você"), "{text}");
    assert!(text.contains("SOS Voz Amiga"), "{text}");
    // A yes to the reply's direct question stays in the crisis protocol, in
    // the conversation's language (a terse message says too little of its own).
    let yes = app.say(&s, &started["sessionId"], "sim").await;
    assert_eq!(yes["aiResponse"]["safety"]["riskLevel"], "high", "{yes}");
    let text = yes["aiResponse"]["content"].as_str().unwrap_or("");
    assert!(text.contains("você"), "{text}");
    let critical = app
        .say(
            &s,
            &started["sessionId"],
            "tenho os comprimidos na mão e vou tomar todos agora",
        )
        .await;
    assert_eq!(
        critical["aiResponse"]["safety"]["riskLevel"], "critical",
        "{critical}"
    );
    let text = critical["aiResponse"]["content"].as_str().unwrap_or("");
    assert!(text.contains("112") && text.contains("você"), "{text}");
    let arabic = reply_to("لم أعد أريد أن أعيش، أفكر في إنهاء حياتي").await;
    let text = arabic["content"].as_str().unwrap_or("");
    assert!(text.contains("حياتك") || text.contains("الانتحار"), "{text}");
}

/// The session's risk state, through the pipeline: risk carried into the next
/// message decays, a clear safety answer clears it, and a PHQ-9 item 9 answer
/// in the session makes a later question about heights a crisis.
async fn session_risk_state(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("session-risk@example.org", PASSWORD).await;
    let start = async |message: &str| {
        app.post("/api/conversations")
            .token(&s.access)
            .json(&json!({ "message": message }))
            .send()
            .await
            .success(StatusCode::CREATED)
    };
    let say = async |session: &serde_json::Value, message: &str| {
        let r = app
            .post(&format!("/api/conversations/{}/messages", s.id()))
            .token(&s.access)
            .json(&json!({ "message": message, "sessionId": session }))
            .send()
            .await
            .success(StatusCode::OK);
        (
            r["aiResponse"]["safety"]["riskLevel"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
            r,
        )
    };
    let first = start("I took a whole bottle of my pills an hour ago").await;
    assert_eq!(first["aiResponse"]["safety"]["riskLevel"], "critical");
    let session = first["sessionId"].clone();
    // Carried one step lower, then lower again: not held for the whole session.
    let (level, second) = say(&session, "ok").await;
    assert_eq!(level, "high");
    let (level, third) = say(&session, "ok").await;
    assert_eq!(level, "high");
    // Two crisis replies in a row never ask the same question.
    let questions = |r: &serde_json::Value| -> Vec<String> {
        r["aiResponse"]["content"]
            .as_str()
            .unwrap_or("")
            .split_inclusive(['.', '?', '!'])
            .map(str::trim)
            .filter(|q| q.ends_with('?'))
            .map(str::to_owned)
            .collect()
    };
    let (asked, asked_again) = (questions(&second), questions(&third));
    assert!(!asked.is_empty(), "{second}");
    assert!(
        asked.iter().all(|q| !asked_again.contains(q)),
        "{asked:?} then {asked_again:?}"
    );
    assert_eq!(say(&session, "hm").await.0, "moderate");
    // A clear safety answer clears what was carried.
    let again = start("I want to kill myself").await;
    let session = again["sessionId"].clone();
    assert_eq!(again["aiResponse"]["safety"]["riskLevel"], "high");
    let (level, _) = say(&session, "I'm safe now, my sister is here with me").await;
    assert!(
        level == "none" || level == "low",
        "safety answer assessed {level}"
    );
    let (level, _) = say(&session, "ok").await;
    assert!(
        level == "none" || level == "low",
        "after the answer: {level}"
    );

    // A question about heights on its own is a check-in ...
    let plain = start("hi, rough week").await;
    let (level, _) = say(
        &plain["sessionId"],
        "which bridges around here are the highest?",
    )
    .await;
    assert_eq!(level, "moderate");
    // ... and after PHQ-9 item 9 answered above 0 in the session, a crisis.
    let quiz = start("hi, rough week").await;
    let session = quiz["sessionId"].clone();
    let submitted = app
        .post("/api/me/questionnaires")
        .token(&s.access)
        .json(&json!({
            "instrument": "phq9",
            "answers": [2, 2, 2, 2, 2, 2, 1, 1, 1],
            "sessionId": session,
        }))
        .send()
        .await
        .success(StatusCode::CREATED);
    assert!(!submitted["safety"].is_null(), "{submitted}");
    let (level, reply) = say(&session, "which bridges around here are the highest?").await;
    assert_eq!(level, "critical", "{reply}");
}

/// The sentences of the companion's replies in a conversation, for checking
/// that none is said twice.
fn repeated_sentences(replies: &[serde_json::Value]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut repeated = Vec::new();
    for r in replies {
        let text = r["aiResponse"]["content"].as_str().unwrap_or("");
        for sentence in text
            .split(['.', '?', '!', '\n'])
            .map(str::trim)
            .filter(|s| s.len() > 12)
        {
            if !seen.insert(sentence.to_owned()) {
                repeated.push(sentence.to_owned());
            }
        }
    }
    repeated
}

/// The crisis conversation after the first crisis reply (rules alone, so the
/// script is exact): a "no" is believed and the conversation is back to normal
/// at once; a "yes" walks the steps, the means first once they are mentioned,
/// never repeating a sentence, and the safety plan can start at `high`.
async fn crisis_dialogue(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("dialogue@example.org", PASSWORD).await;
    app.set_profile(&s, json!({ "country": "US" })).await;
    let start = async |message: &str| app.start(&s, json!({ "message": message })).await;
    let content =
        |r: &serde_json::Value| r["aiResponse"]["content"].as_str().unwrap_or("").to_owned();

    // The "no" path.
    let opened = start("I want to kill myself").await;
    assert_eq!(
        opened["aiResponse"]["safety"]["riskLevel"], "high",
        "{opened}"
    );
    assert!(content(&opened).contains("988"), "{opened}");
    let session = opened["sessionId"].clone();
    let no = app
        .say(
            &s,
            &session,
            "No, I'm not thinking about ending my life right now",
        )
        .await;
    let level = no["aiResponse"]["safety"]["riskLevel"]
        .as_str()
        .unwrap_or("");
    assert!(level == "none" || level == "low", "{no}");
    assert!(content(&no).contains("believe you"), "{no}");
    assert!(!content(&no).contains("ending your life"), "{no}");
    // Back to ordinary conversation on the next message.
    let next = app.say(&s, &session, "can you help me plan my week?").await;
    assert_ne!(next["aiResponse"]["provider"], "safety", "{next}");
    assert_eq!(
        repeated_sentences(&[opened, no, next]),
        Vec::<String>::new()
    );
    // A plain "no" after the crisis reply, which also asks whether there is
    // someone they trust, is unclear: the direct question comes alone, once,
    // and a no to that is believed.
    let opened = start("i want to die").await;
    let no = app.say(&s, &opened["sessionId"], "no").await;
    assert!(!content(&no).contains("believe you"), "{no}");
    assert!(content(&no).contains("ending your life right now?"), "{no}");
    assert_eq!(no["crisis"]["active"], true, "{no}");
    let again = app.say(&s, &opened["sessionId"], "no").await;
    assert!(content(&again).contains("believe you"), "{again}");
    assert_eq!(again["crisis"]["active"], false, "{again}");
    // A yes to the question asked again is a crisis.
    let opened = start("i want to die").await;
    app.say(&s, &opened["sessionId"], "no").await;
    let yes = app.say(&s, &opened["sessionId"], "yes").await;
    assert_eq!(yes["aiResponse"]["safety"]["riskLevel"], "high", "{yes}");
    assert_eq!(yes["aiResponse"]["provider"], "safety", "{yes}");

    // The "yes" path.
    let opened = start("I want to kill myself").await;
    let session = opened["sessionId"].clone();
    let mut replies = vec![opened];
    for (message, level) in [
        ("yes", "high"),
        ("I don't know", "moderate"),
        ("I have pills in the drawer", "critical"),
        ("ok", "high"),
        ("my dog I guess", "high"),
    ] {
        let r = app.say(&s, &session, message).await;
        assert_eq!(
            r["aiResponse"]["safety"]["riskLevel"], level,
            "{message}: {r}"
        );
        assert_eq!(r["aiResponse"]["provider"], "safety", "{message}: {r}");
        replies.push(r);
    }
    let texts: Vec<String> = replies.iter().map(content).collect();
    assert!(texts[1].contains("here with you"), "staying: {}", texts[1]);
    assert!(
        texts[2].contains("988"),
        "a person now, the line named: {}",
        texts[2]
    );
    assert!(texts[3].contains("ou mentioned"), "means: {}", texts[3]);
    assert!(
        texts[3].contains("911"),
        "critical: emergency first: {}",
        texts[3]
    );
    assert_eq!(repeated_sentences(&replies), Vec::<String>::new());
    // The person asks for the safety plan while still in the crisis: it starts.
    let plan = app.say(&s, &session, "can we make a safety plan?").await;
    assert_eq!(plan["aiResponse"]["provider"], "guided", "{plan}");
}

/// The person's crisis state is the server's, not a tab's: another device
/// and a new tab see it, it follows a country change, a clear safety answer
/// ends it, a PHQ-9 item 9 answer starts it, and a quiet period ends it.
async fn crisis_state_on_every_device(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("crisis-state@example.org", PASSWORD).await;
    app.set_profile(&s, json!({ "country": "US" })).await;
    let state_for = async |access: &str| {
        app.get("/api/me/crisis")
            .token(access)
            .send()
            .await
            .success(StatusCode::OK)
    };
    let calm = state_for(&s.access).await;
    assert_eq!(calm["active"], false, "{calm}");
    assert!(calm["resources"].to_string().contains("988"), "{calm}");

    let opened = app
        .start(&s, json!({ "message": "I want to kill myself" }))
        .await;
    let crisis = &opened["crisis"];
    assert_eq!(crisis["active"], true, "{opened}");
    assert_eq!(crisis["level"], "high");
    assert_eq!(crisis["emergencyNumber"], "911");
    assert!(crisis["resources"].to_string().contains("988"), "{crisis}");
    // Another device (a second sign-in) sees the same state.
    let other = app.login("crisis-state@example.org", PASSWORD).await;
    let seen = state_for(&other.access).await;
    assert_eq!(seen["active"], true, "{seen}");
    assert_eq!(seen["since"], crisis["since"]);
    // The lines follow the country.
    app.set_profile(&s, json!({ "country": "DE" })).await;
    let moved = state_for(&other.access).await;
    assert_eq!(moved["emergencyNumber"], "112", "{moved}");
    assert!(
        moved["resources"].to_string().contains("TelefonSeelsorge"),
        "{moved}"
    );
    assert!(!moved["resources"].to_string().contains("988"), "{moved}");
    // A clear safety answer ends it, on every device.
    let answered = app
        .say(
            &s,
            &opened["sessionId"],
            "No, I'm not thinking about ending my life right now",
        )
        .await;
    assert_eq!(answered["crisis"]["active"], false, "{answered}");
    assert_eq!(state_for(&other.access).await["active"], false);

    // A PHQ-9 item 9 answer above 0 starts it; quiet for the period, it ends.
    let submitted = app
        .post("/api/me/questionnaires")
        .token(&s.access)
        .json(&json!({ "instrument": "phq9", "answers": [1, 1, 1, 1, 1, 1, 1, 1, 1] }))
        .send()
        .await
        .success(StatusCode::CREATED);
    assert_eq!(submitted["crisis"]["active"], true, "{submitted}");
    assert_eq!(state_for(&other.access).await["active"], true);
    // (Signed in again: the access token has expired meanwhile.)
    app.advance(time::Duration::hours(11));
    let later = app.login("crisis-state@example.org", PASSWORD).await;
    assert_eq!(state_for(&later.access).await["active"], true);
    app.advance(time::Duration::hours(2));
    let later = app.login("crisis-state@example.org", PASSWORD).await;
    let quiet = state_for(&later.access).await;
    assert_eq!(quiet["active"], false, "{quiet}");
    assert_eq!(quiet["emergencyNumber"], "112", "{quiet}");
}

/// After a PHQ-9 answer about thoughts of death or self-harm, "talk now" opens
/// a session with the check-in already asked, and the person's answer is read
/// as an answer to it: a yes stays in the crisis conversation, a no is believed.
async fn check_in_after_a_questionnaire(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("check-in@example.org", PASSWORD).await;
    app.set_profile(&s, json!({ "country": "GB" })).await;
    let submit = async |answers: serde_json::Value| {
        app.post("/api/me/questionnaires")
            .token(&s.access)
            .json(&json!({ "instrument": "phq9", "answers": answers }))
            .send()
            .await
            .success(StatusCode::CREATED)
    };
    let open = async |body: serde_json::Value| {
        app.post("/api/conversations")
            .token(&s.access)
            .json(&body)
            .send()
            .await
    };
    let answer = submit(json!([1, 1, 1, 1, 1, 1, 1, 1, 2])).await;
    let id = answer["response"]["id"].clone();
    let opened = open(json!({ "checkIn": id }))
        .await
        .success(StatusCode::CREATED);
    let greeting = opened["greeting"]["content"].as_str().unwrap_or("");
    assert!(greeting.contains("ending your life"), "{opened}");
    let yes = app.say(&s, &opened["sessionId"], "yes").await;
    assert_eq!(yes["aiResponse"]["safety"]["riskLevel"], "high", "{yes}");
    assert_eq!(yes["aiResponse"]["provider"], "safety", "{yes}");
    assert!(
        !yes["aiResponse"]["content"]
            .as_str()
            .unwrap_or("")
            .contains("ending your life"),
        "the question is not asked again: {yes}"
    );
    let again = open(json!({ "checkIn": id }))
        .await
        .success(StatusCode::CREATED);
    let no = app
        .say(&s, &again["sessionId"], "no, I'm safe, I just feel low")
        .await;
    assert!(
        no["aiResponse"]["content"]
            .as_str()
            .unwrap_or("")
            .contains("believe you"),
        "{no}"
    );
    assert_eq!(no["crisis"]["active"], false, "{no}");
    // The check-in asks the direct question alone: a plain no answers it.
    let third = open(json!({ "checkIn": id }))
        .await
        .success(StatusCode::CREATED);
    let plain = app.say(&s, &third["sessionId"], "no").await;
    assert!(
        plain["aiResponse"]["content"]
            .as_str()
            .unwrap_or("")
            .contains("believe you"),
        "{plain}"
    );

    // Only for the person's own recent answer that called for it, and not
    // with a message.
    let calm = submit(json!([1, 1, 1, 1, 1, 1, 1, 1, 0])).await;
    let refused = open(json!({ "checkIn": calm["response"]["id"] })).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("not_a_crisis_answer"));
    let open_as = async |access: &str| {
        app.post("/api/conversations")
            .token(access)
            .json(&json!({ "checkIn": id }))
            .send()
            .await
    };
    let other = app.register("someone-else@example.org", PASSWORD).await;
    assert_eq!(
        open_as(&other.access).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let both = open(json!({ "checkIn": id, "message": "hi" })).await;
    assert_eq!(both.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(both.text().contains("check_in_with_message"));
    app.advance(time::Duration::hours(25));
    let later = app.login("check-in@example.org", PASSWORD).await;
    assert_eq!(
        open_as(&later.access).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}
