//! The admin commands behind `accord user`, `accord token` and `accord audit`.

use std::io::{BufRead, IsTerminal, Write};

use accord_shared::policy::{DocKind, Role};
use accord_shared::DocumentId;
use anyhow::{bail, Context};

use crate::audit;
use crate::auth::Accounts;
use crate::storage::{now_secs, Store};

/// The password from standard input: one line (prompted when it is a terminal).
pub fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password for the new account (shown as typed): ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password on standard input; e.g. `echo 'a long passphrase' | accord user add …`");
    }
    Ok(password)
}

pub async fn add_user(
    store: &Store,
    email: &str,
    name: &str,
    role: Role,
    password: &str,
) -> anyhow::Result<()> {
    let user = Accounts::new(store.clone())
        .add_user(email, name, role, password)
        .await?;
    audit::record(
        store,
        "user_added",
        "cli",
        &format!("{} ({})", user.email, user.role),
    )
    .await?;
    println!("Added {} <{}> as {}.", user.name, user.email, user.role);
    Ok(())
}

pub async fn list_users(store: &Store) -> anyhow::Result<()> {
    let users = Accounts::new(store.clone()).list_users().await?;
    if users.is_empty() {
        println!("No accounts yet. Add one with `accord user add --email E --name N --role R`.");
    }
    for u in users {
        let state = if u.disabled { "disabled" } else { "active" };
        println!(
            "{:<32} {:<14} {:<9} {}",
            u.email,
            u.role.as_str(),
            state,
            u.name
        );
    }
    Ok(())
}

pub async fn disable_user(store: &Store, email: &str) -> anyhow::Result<()> {
    Accounts::new(store.clone()).disable(email).await?;
    audit::record(store, "user_disabled", "cli", email).await?;
    println!("Disabled {email}; its sessions and tokens no longer work.");
    Ok(())
}

pub async fn create_token(store: &Store, email: &str) -> anyhow::Result<()> {
    let token = Accounts::new(store.clone()).create_token(email).await?;
    audit::record(store, "token_created", "cli", email).await?;
    // Only the token on stdout, so scripts can capture it.
    println!("{token}");
    Ok(())
}

pub async fn print_audit(store: &Store, since: &str) -> anyhow::Result<()> {
    let since = parse_since(since)?;
    for e in audit::since(store, since).await? {
        println!("{}\t{}\t{}\t{}", e.at, e.kind, e.actor, e.detail);
    }
    Ok(())
}

fn document_id(s: &str) -> anyhow::Result<DocumentId> {
    DocumentId::parse_url_or_id(s).with_context(|| format!("{s:?} is not a document id"))
}

pub async fn add_member(
    store: &Store,
    engagement: &str,
    email: &str,
    role: Role,
) -> anyhow::Result<()> {
    let engagement = document_id(engagement)?;
    let user = Accounts::new(store.clone())
        .user_by_email(email)
        .await?
        .with_context(|| format!("no account has the email {email}"))?;
    store.add_member(engagement, user.id, role).await?;
    audit::record(
        store,
        "member_added",
        "cli",
        &format!("{email} as {role} in {engagement}"),
    )
    .await?;
    println!("{} is now {} in engagement {engagement}.", user.name, role);
    Ok(())
}

/// `accord member grant-parties|revoke-parties`.
pub async fn set_parties_grant(
    store: &Store,
    engagement: &str,
    email: &str,
    granted: bool,
) -> anyhow::Result<()> {
    let engagement = document_id(engagement)?;
    let done = crate::parties::set_grant(store, engagement, email, granted, "cli").await?;
    let name = &done.user.name;
    match (granted, done.changed) {
        (true, true) => {
            println!("{name} may now read the confidential parties of engagement {engagement}.")
        }
        (true, false) => println!(
            "{name} could already read the confidential parties of engagement {engagement}."
        ),
        (false, true) => println!(
            "{name} may no longer read the confidential parties of engagement {engagement}; \
             open connections stop receiving them with the next change."
        ),
        (false, false) => {
            println!("{name} had no access to the confidential parties of engagement {engagement}.")
        }
    }
    Ok(())
}

pub async fn attach(store: &Store, doc: &str, engagement: &str, kind: &str) -> anyhow::Result<()> {
    let (doc, engagement) = (document_id(doc)?, document_id(engagement)?);
    let kind: DocKind = kind.parse().map_err(anyhow::Error::msg)?;
    store.attach(doc, engagement, kind).await?;
    audit::record(
        store,
        "document_attached",
        "cli",
        &format!("{doc} as {} of {engagement}", kind.as_str()),
    )
    .await?;
    println!(
        "Document {doc} is now the {} of engagement {engagement}; its membership governs it.",
        kind.as_str()
    );
    Ok(())
}

pub async fn share(store: &Store, doc: &str, shared: bool) -> anyhow::Result<()> {
    let doc = document_id(doc)?;
    if !store.set_shared(doc, shared).await? {
        bail!("no document {doc} is stored");
    }
    let verb = if shared {
        "shared with"
    } else {
        "no longer shared with"
    };
    audit::record(
        store,
        "document_shared",
        "cli",
        &format!("{doc} {verb} the Government"),
    )
    .await?;
    println!("Document {doc} is {verb} the Government.");
    Ok(())
}

/// `24h`, `30m`, `7d` ago, or a Unix time in seconds.
fn parse_since(s: &str) -> anyhow::Result<i64> {
    let s = s.trim();
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = digits
        .parse()
        .with_context(|| format!("--since {s:?}: use e.g. 24h, 30m, 7d or a Unix time"))?;
    Ok(match unit {
        "" => n,
        "m" => now_secs() - n * 60,
        "h" => now_secs() - n * 3600,
        "d" => now_secs() - n * 86400,
        _ => bail!("--since {s:?}: the unit must be m, h or d"),
    })
}
