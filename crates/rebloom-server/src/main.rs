//! `rebloom`: thin entry point; the work is in the library.

use std::io::Write;

use anyhow::{Context, bail};
use clap::Parser;
use rebloom_core::accounts::UserUpdate;
use rebloom_core::audit::Actor;
use rebloom_server::config::{
    AuditWhat, Cli, Command, Config, EvalWhat, KeysWhat, TrainWhat, unknown_env_vars,
};
use rebloom_server::http::openapi;
use rebloom_server::{App, telemetry, wiring};
use rebloom_store::Role;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(config) => serve(*config).await,
        Command::Openapi => {
            std::io::stdout().write_all(openapi::document_json()?.as_bytes())?;
            Ok(())
        }
        Command::Assess => rebloom_server::assess_cli::run(),
        Command::Eval {
            what:
                EvalWhat::Safety {
                    eval_dir,
                    corpus,
                    labels,
                    models_dir,
                    no_gaur,
                    dev,
                    out,
                },
        } => {
            let md = rebloom_server::safety_eval::run_eval(
                &corpus,
                &labels,
                &eval_dir,
                &models_dir,
                !no_gaur,
                dev,
            )?;
            if dev {
                std::io::stdout().write_all(md.as_bytes())?;
                return Ok(());
            }
            let doc = std::fs::read_to_string(&out).unwrap_or_default();
            std::fs::write(&out, rebloom_server::safety_eval::splice(&doc, &md))?;
            std::io::stdout().write_all(md.as_bytes())?;
            eprintln!("figures written into {}", out.display());
            Ok(())
        }
        Command::Train {
            what:
                TrainWhat::Safety {
                    corpus,
                    models_dir,
                    out,
                },
        } => rebloom_server::safety_eval::run_train(&corpus, &models_dir, &out),
        Command::Eval {
            what: EvalWhat::Replay { eval_dir, out },
        } => {
            let (passed, total) = rebloom_server::eval::run(&eval_dir, &out).await?;
            eprintln!(
                "safety evaluation: {passed} of {total} passed; report in {}",
                out.display()
            );
            Ok(())
        }
        Command::Migrate(config) => {
            let _guard = telemetry::init(&config);
            wiring::store(&config).await?;
            eprintln!("migrations are up to date");
            Ok(())
        }
        Command::Keys {
            what: KeysWhat::Rotate,
            config,
        } => {
            let _guard = telemetry::init(&config);
            let (vault, _) = wiring::store(&config).await?;
            let mut total = 0;
            loop {
                let n = vault.rotate(500).await?;
                if n == 0 {
                    break;
                }
                total += n;
            }
            // A race (another replica still wrapping with the old key) can leave some.
            if vault.keys_left_to_rotate(1).await? > 0 {
                bail!(
                    "re-wrapped {total} data keys, but some are still wrapped by another master key: \
                     make sure every replica runs with the new REBLOOM_MASTER_KEY, then run this again \
                     before dropping the old key"
                );
            }
            eprintln!(
                "re-wrapped {total} data keys with master key {}; every data key now uses it",
                vault.master_key_id()
            );
            Ok(())
        }
        Command::Audit {
            what: AuditWhat::Verify,
            config,
        } => {
            let _guard = telemetry::init(&config);
            let (_, audit) = wiring::accounts(&config).await?;
            match audit.verify().await? {
                rebloom_store::AuditVerdict::Intact { entries } => {
                    eprintln!("audit log intact: {entries} entries");
                    Ok(())
                }
                rebloom_store::AuditVerdict::Broken { seq, reason } => {
                    eprintln!("audit log BROKEN at entry {seq}: {reason}");
                    std::process::exit(1);
                }
            }
        }
        Command::SetRole {
            email,
            role,
            config,
        } => {
            let _guard = telemetry::init(&config);
            let Some(role) = Role::parse(&role) else {
                bail!("role must be user, clinician or admin");
            };
            let (accounts, _) = wiring::accounts(&config).await?;
            let user = accounts
                .find_by_email(&email)
                .await?
                .with_context(|| format!("no account with e-mail {}", email.trim()))?;
            let change = UserUpdate {
                role: Some(role),
                disabled: None,
            };
            accounts
                .update_user(Actor::System, user.id, &change)
                .await
                .context("changing the role")?;
            eprintln!("{} is now {}", user.email, role.as_str());
            Ok(())
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let _guard = telemetry::init(&config);
    for name in unknown_env_vars() {
        tracing::warn!(variable = %name, "unknown REBLOOM_* environment variable (typo?)");
    }
    let web_dir = config.web_dir.clone();
    let app = App::build(config).await?;
    let addr = app.local_addr()?;
    for file in &app.engines.generated_secrets {
        eprintln!(
            "generated a new secret in {file} (0600); keep it: tokens and encrypted data depend on it"
        );
    }
    eprintln!(
        "Rebloom is running at http://{addr}  (API docs: http://{addr}/docs)\n  store: {}\n  replies: {}\n  crisis detection: {} (before every reply)\n  rate limits: {}\n  crisis notifications: {}\n  embeddings: {}\n  emotions: {}\n  speech-to-text: {}\n  web app: {}",
        app.engines.store,
        app.engines.llm.join(" -> "),
        app.engines.crisis_detection,
        app.engines.rate_limits,
        if app.engines.crisis_notifications.is_empty() {
            "none configured (events are recorded; set REBLOOM_CRISIS_WEBHOOK_URL or REBLOOM_CRISIS_EMAIL_TO)".to_owned()
        } else {
            app.engines.crisis_notifications.join(", ")
        },
        app.engines.embeddings,
        app.engines.emotions,
        app.engines.speech_to_text,
        if rebloom_server::web::is_built(&web_dir) {
            format!("http://{addr}/ (from {})", web_dir.display())
        } else {
            format!(
                "not built ({} has no index.html): bash scripts/run.sh builds it",
                web_dir.display()
            )
        },
    );
    tracing::info!(%addr, store = %app.engines.store, rate_limits = app.engines.rate_limits, "listening");
    app.run(shutdown_signal()).await?;
    tracing::info!("shut down cleanly");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received; draining requests");
}
