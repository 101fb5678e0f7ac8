//! Roles and administration.

use std::collections::BTreeSet;

use rebloom_store::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Ctx, TestApp};

cases! {
    roles: [sqlite, postgres];
    dead_letter_view: [sqlite, postgres];
}

/// A job that fails for good shows in the admins' dead-letter view with its
/// error, and can be queued again (audited).
async fn dead_letter_view(ctx: Ctx) {
    let app = ctx.spawn_app_with(|c| c.job_worker = false).await;
    let admin = app.register("dl-admin@example.org", PASSWORD).await;
    let user = app.register("dl-user@example.org", PASSWORD).await;
    app.set_role(admin.id(), Role::Admin).await;
    let user_id = uuid::Uuid::parse_str(user.id()).unwrap();
    app.state
        .jobs
        .queue()
        .enqueue("no.such.queue", json!({ "n": 1 }), Some(user_id))
        .await
        .unwrap();
    app.run_jobs().await;
    app.get("/api/admin/jobs/failed")
        .token(&user.access)
        .send()
        .await
        .problem(403, "forbidden");
    let page = app
        .get("/api/admin/jobs/failed")
        .token(&admin.access)
        .send()
        .await
        .success(StatusCode::OK);
    let jobs = page["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1, "{page}");
    assert_eq!(jobs[0]["queue"], "no.such.queue");
    assert_eq!(jobs[0]["userId"], user.id());
    assert!(
        jobs[0]["lastError"]
            .as_str()
            .unwrap()
            .contains("unknown queue")
    );
    assert!(jobs[0].get("payload").is_none());
    let id = jobs[0]["id"].as_str().unwrap().to_owned();
    app.get("/api/admin/jobs/failed?limit=0")
        .token(&admin.access)
        .send()
        .await
        .problem(422, "validation_failed");

    app.post(&format!("/api/admin/jobs/{id}/retry"))
        .token(&admin.access)
        .send()
        .await
        .expect_no_content();
    let page = app
        .get("/api/admin/jobs/failed")
        .token(&admin.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert!(page["jobs"].as_array().unwrap().is_empty(), "queued again");
    app.post(&format!("/api/admin/jobs/{id}/retry"))
        .token(&admin.access)
        .send()
        .await
        .problem(404, "not_found");
    // It runs again (and fails again: the queue still does not exist).
    app.run_jobs().await;
    let page = app
        .get("/api/admin/jobs/failed")
        .token(&admin.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(page["jobs"][0]["id"], id.as_str());
    let audit = app
        .get("/api/me/audit")
        .token(&user.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert!(audit.to_string().contains("admin.job_retried"), "{audit}");
}

const PASSWORD: &str = "tea with the moomins";

async fn set(app: &TestApp, admin: &str, id: &str, body: Value) -> crate::harness::Resp {
    app.patch(&format!("/api/admin/users/{id}"))
        .token(admin)
        .json(&body)
        .send()
        .await
}

async fn roles(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let admin = app.register("admin@example.org", PASSWORD).await;
    let user = app.register("user@example.org", PASSWORD).await;
    let clinician = app.register("clinician@example.org", PASSWORD).await;
    // The first admin is made outside the API (like `rebloom set-role`).
    app.set_role(admin.id(), Role::Admin).await;
    assert_eq!(
        app.me(&admin.access).await.success(StatusCode::OK)["role"],
        "admin"
    );
    // Further roles through the API.
    let made = set(
        &app,
        &admin.access,
        clinician.id(),
        json!({ "role": "clinician" }),
    )
    .await
    .success(StatusCode::OK);
    assert_eq!(made["role"], "clinician");
    assert_eq!(made["disabled"], false);

    // Not admins: forbidden, on every admin route.
    for s in [&user, &clinician] {
        app.get("/api/admin/users")
            .token(&s.access)
            .send()
            .await
            .problem(403, "forbidden");
        set(&app, &s.access, s.id(), json!({ "role": "admin" }))
            .await
            .problem(403, "forbidden");
    }
    // Without a token: 401, not 403.
    app.get("/api/admin/users")
        .send()
        .await
        .problem(401, "token_missing");

    // Listing with cursor pagination, by id.
    let all: BTreeSet<String> = [&admin, &user, &clinician]
        .iter()
        .map(|s| s.id().to_owned())
        .collect();
    let page = app
        .get("/api/admin/users?limit=2")
        .token(&admin.access)
        .send()
        .await
        .success(StatusCode::OK);
    let first: Vec<&str> = page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(first.len(), 2, "{page}");
    let cursor = page["nextCursor"].as_str().unwrap();
    assert_eq!(cursor, first[1]);
    let page2 = app
        .get(&format!("/api/admin/users?limit=2&after={cursor}"))
        .token(&admin.access)
        .send()
        .await
        .success(StatusCode::OK);
    let second: Vec<&str> = page2["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(second.len(), 1, "{page2}");
    assert!(page2["nextCursor"].is_null(), "{page2}");
    let mut ids: Vec<&str> = first.iter().chain(&second).copied().collect();
    let listed: BTreeSet<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(listed, all);
    let sorted = {
        let mut s = ids.clone();
        s.sort();
        s
    };
    ids.dedup();
    assert_eq!(ids, sorted, "pages are in id order without repeats");
    // Entries carry the account and whether it is disabled, never the hash.
    let entry = &page["users"][0];
    assert_eq!(entry["disabled"], false);
    assert!(entry["email"].is_string() && entry["role"].is_string());
    assert!(entry.get("passwordHash").is_none());
    // The default page holds everyone.
    let everyone = app
        .get("/api/admin/users")
        .token(&admin.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(everyone["users"].as_array().unwrap().len(), 3);
    assert!(everyone["nextCursor"].is_null());
    // Exactly a full last page: a cursor, then an empty page.
    let full = app
        .get("/api/admin/users?limit=3")
        .token(&admin.access)
        .send()
        .await
        .success(StatusCode::OK);
    let cursor = full["nextCursor"].as_str().unwrap();
    let empty = app
        .get(&format!("/api/admin/users?limit=3&after={cursor}"))
        .token(&admin.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(empty["users"], json!([]));
    assert!(empty["nextCursor"].is_null());

    // A role change applies to that user's very next request (same token).
    let changed = set(&app, &admin.access, user.id(), json!({ "role": "admin" }))
        .await
        .success(StatusCode::OK);
    assert_eq!(changed["role"], "admin");
    assert_eq!(changed["id"], user.user["id"]);
    app.get("/api/admin/users")
        .token(&user.access)
        .send()
        .await
        .success(StatusCode::OK);
    set(&app, &admin.access, user.id(), json!({ "role": "user" }))
        .await
        .success(StatusCode::OK);
    app.get("/api/admin/users")
        .token(&user.access)
        .send()
        .await
        .problem(403, "forbidden");
    assert_eq!(
        app.me(&user.access).await.success(StatusCode::OK)["role"],
        "user"
    );
    set(
        &app,
        &admin.access,
        user.id(),
        json!({ "role": "superuser" }),
    )
    .await
    .problem(422, "validation_failed");

    // Disabling ends the account's sessions and refuses its logins.
    let disabled = set(&app, &admin.access, user.id(), json!({ "disabled": true }))
        .await
        .success(StatusCode::OK);
    assert_eq!(disabled["disabled"], true);
    app.me(&user.access).await.problem(401, "session_ended");
    app.refresh_resp(&user.refresh)
        .await
        .problem(401, "refresh_token_invalid");
    app.login_resp("user@example.org", PASSWORD)
        .await
        .problem(403, "account_disabled");
    // A wrong password still says only that the credentials are wrong.
    app.login_resp("user@example.org", "not the password")
        .await
        .problem(401, "invalid_credentials");
    // Re-enabled, the account can sign in again.
    let enabled = set(&app, &admin.access, user.id(), json!({ "disabled": false }))
        .await
        .success(StatusCode::OK);
    assert_eq!(enabled["disabled"], false);
    let back = app.login("user@example.org", PASSWORD).await;
    app.me(&back.access).await.success(StatusCode::OK);

    // An admin cannot demote or disable themself.
    for body in [
        json!({ "role": "user" }),
        json!({ "role": "clinician" }),
        json!({ "disabled": true }),
        json!({ "role": "admin", "disabled": true }),
    ] {
        set(&app, &admin.access, admin.id(), body)
            .await
            .problem(409, "cannot_demote_self");
    }
    assert_eq!(
        app.me(&admin.access).await.success(StatusCode::OK)["role"],
        "admin"
    );
    // Unknown account.
    set(
        &app,
        &admin.access,
        &uuid::Uuid::now_v7().to_string(),
        json!({ "role": "user" }),
    )
    .await
    .problem(404, "not_found");
}
