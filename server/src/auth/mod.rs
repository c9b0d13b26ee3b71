//! Who is asking: accounts with argon2id passwords, browser sessions, API
//! tokens for scripts, and single-use tickets for clients that cannot set
//! headers. Secrets are random 32-byte values; only their SHA-256 is stored.

pub mod rate_limit;
pub mod tickets;

use std::time::Duration;

use accord_shared::policy::Role;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::storage::{now_secs, StorageError, Store};

/// How long a browser session lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 60 * 60);
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// A person with an account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    #[serde(skip)]
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    #[serde(skip)]
    pub disabled: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Storage(#[from] StorageError),
    #[error("an account with the email {0} already exists")]
    EmailTaken(String),
    #[error("no account has the email {0}")]
    NoSuchUser(String),
    #[error("{0:?} does not look like an email address")]
    BadEmail(String),
    #[error("a name is needed")]
    NoName,
    #[error("the password must be at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    #[error("the email or password is not right")]
    BadCredentials,
    #[error("the password could not be hashed: {0}")]
    Hashing(String),
}

/// Accounts, sessions and tokens, on the server's database.
#[derive(Clone)]
pub struct Accounts {
    store: Store,
}

impl Accounts {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    pub async fn add_user(
        &self,
        email: &str,
        name: &str,
        role: Role,
        password: &str,
    ) -> Result<User, AuthError> {
        let email = email.trim().to_owned();
        let name = name.trim().to_owned();
        if !email.contains('@') || email.len() > 254 || email.chars().any(char::is_whitespace) {
            return Err(AuthError::BadEmail(email));
        }
        if name.is_empty() {
            return Err(AuthError::NoName);
        }
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(AuthError::WeakPassword);
        }
        let hash = hash_password(password.to_owned()).await?;
        let (e, n) = (email.clone(), name.clone());
        let inserted = self
            .store
            .write(move |db| {
                db.execute(
                    "INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(email) DO NOTHING",
                    params![e, n, role.as_str(), hash, now_secs()],
                )
                .map(|rows| (rows == 1).then(|| db.last_insert_rowid()))
            })
            .await?;
        match inserted {
            Some(id) => Ok(User {
                id,
                email,
                name,
                role,
                disabled: false,
            }),
            None => Err(AuthError::EmailTaken(email)),
        }
    }

    pub async fn list_users(&self) -> Result<Vec<User>, AuthError> {
        Ok(self
            .store
            .query(|db| {
                let mut stmt =
                    // Contributors who came through a submission link have no
                    // account to manage: the field team's link list is theirs.
                    db.prepare(
                        "SELECT id, email, name, role, disabled FROM users
                         WHERE id NOT IN (SELECT user_id FROM submission_links WHERE user_id IS NOT NULL)
                         ORDER BY email",
                    )?;
                let rows = stmt.query_map([], row_to_user)?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, AuthError> {
        let email = email.trim().to_owned();
        Ok(self
            .store
            .query(move |db| {
                db.query_row(
                    "SELECT id, email, name, role, disabled FROM users WHERE email = ?1",
                    [email],
                    row_to_user,
                )
                .optional()
            })
            .await?
            .flatten())
    }

    /// Disables an account and ends its sessions and tokens at once.
    pub async fn disable(&self, email: &str) -> Result<(), AuthError> {
        let e = email.trim().to_owned();
        let found = self
            .store
            .write(move |db| {
                let Some(id) = db
                    .query_row("SELECT id FROM users WHERE email = ?1", [&e], |r| {
                        r.get::<_, i64>(0)
                    })
                    .optional()?
                else {
                    return Ok(false);
                };
                db.execute("UPDATE users SET disabled = 1 WHERE id = ?1", [id])?;
                db.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?;
                db.execute("DELETE FROM api_tokens WHERE user_id = ?1", [id])?;
                Ok(true)
            })
            .await?;
        if found {
            Ok(())
        } else {
            Err(AuthError::NoSuchUser(email.trim().to_owned()))
        }
    }

    /// Checks a password; the same answer for a wrong email and a wrong password.
    pub async fn verify_password(&self, email: &str, password: &str) -> Result<User, AuthError> {
        let e = email.trim().to_owned();
        let found = self
            .store
            .query(move |db| {
                db.query_row(
                    "SELECT id, email, name, role, disabled, password_hash FROM users WHERE email = ?1",
                    [e],
                    |r| Ok((row_to_user(r)?, r.get::<_, String>(5)?)),
                )
                .optional()
            })
            .await?;
        let (user, hash) = match found {
            Some((Some(user), hash)) if !user.disabled => (Some(user), hash),
            // Verify against a dummy hash anyway so timing does not reveal accounts.
            _ => (None, dummy_hash().await?),
        };
        let password = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(|e| AuthError::Hashing(e.to_string()))?;
        match user {
            Some(user) if ok => Ok(user),
            _ => Err(AuthError::BadCredentials),
        }
    }

    /// A new API token for scripts; only its hash is kept.
    pub async fn create_token(&self, email: &str) -> Result<String, AuthError> {
        let user = self
            .user_by_email(email)
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(|| AuthError::NoSuchUser(email.trim().to_owned()))?;
        let token = new_secret();
        let hash = secret_hash(&token);
        self.store
            .write(move |db| {
                db.execute(
                    "INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES (?1, ?2, ?3)",
                    params![hash, user.id, now_secs()],
                )
            })
            .await?;
        Ok(token)
    }

    pub async fn user_for_token(&self, token: &str) -> Result<Option<User>, AuthError> {
        let hash = secret_hash(token);
        self.user_where(
            "SELECT u.id, u.email, u.name, u.role, u.disabled FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = ?1",
            hash,
        )
        .await
    }

    /// Starts a browser session; returns the cookie value.
    pub async fn create_session(&self, user: &User) -> Result<String, AuthError> {
        let token = new_secret();
        let hash = secret_hash(&token);
        let (id, expires) = (user.id, now_secs() + SESSION_TTL.as_secs() as i64);
        self.store
            .write(move |db| {
                db.execute("DELETE FROM sessions WHERE expires_at < ?1", [now_secs()])?;
                db.execute(
                    "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
                    params![hash, id, expires],
                )
            })
            .await?;
        Ok(token)
    }

    pub async fn user_for_session(&self, token: &str) -> Result<Option<User>, AuthError> {
        // `user_where` refuses the session once `expires_at` (column 5) has passed.
        self.user_where(
            "SELECT u.id, u.email, u.name, u.role, u.disabled, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ?1",
            secret_hash(token),
        )
        .await
    }

    pub async fn end_session(&self, token: &str) -> Result<(), AuthError> {
        let hash = secret_hash(token);
        self.store
            .write(move |db| db.execute("DELETE FROM sessions WHERE token_hash = ?1", [hash]))
            .await?;
        Ok(())
    }

    async fn user_where(
        &self,
        sql: &'static str,
        hash: Vec<u8>,
    ) -> Result<Option<User>, AuthError> {
        let now = now_secs();
        Ok(self
            .store
            .query(move |db| {
                db.query_row(sql, [hash], |r| {
                    let expired = r.as_ref().column_count() > 5 && r.get::<_, i64>(5)? < now;
                    Ok(row_to_user(r)?.filter(|_| !expired))
                })
                .optional()
            })
            .await?
            .flatten()
            .filter(|u| !u.disabled))
    }
}

/// A row to a user; `None` if its role is not one we know (a hand-edited database).
fn row_to_user(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<User>> {
    let role: String = r.get(3)?;
    Ok(role.parse().ok().map(|role| User {
        id: r.get(0).unwrap_or_default(),
        email: r.get(1).unwrap_or_default(),
        name: r.get(2).unwrap_or_default(),
        role,
        disabled: r.get::<_, i64>(4).unwrap_or(1) != 0,
    }))
}

/// A real hash of a random password, so unknown accounts cost the same time.
async fn dummy_hash() -> Result<String, AuthError> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| hash_password(new_secret()))
        .await
        .cloned()
}

async fn hash_password(password: String) -> Result<String, AuthError> {
    tokio::task::spawn_blocking(move || {
        let mut salt_bytes = [0u8; 16];
        getrandom::fill(&mut salt_bytes).map_err(|e| AuthError::Hashing(e.to_string()))?;
        let salt =
            SaltString::encode_b64(&salt_bytes).map_err(|e| AuthError::Hashing(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AuthError::Hashing(e.to_string()))
    })
    .await
    .map_err(|e| AuthError::Hashing(e.to_string()))?
}

/// 32 random bytes, URL-safe base64.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn accounts() -> (tempfile::TempDir, Accounts) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        (dir, Accounts::new(store))
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_person_signs_in_with_the_right_password_only() {
        let (_dir, accounts) = accounts().await;
        let amina = accounts
            .add_user(
                "amina@ohchr.example",
                "Amina Diallo",
                Role::FieldOfficer,
                "correct horse battery",
            )
            .await
            .unwrap();
        assert_eq!(
            accounts
                .verify_password("amina@ohchr.example", "correct horse battery")
                .await
                .unwrap(),
            amina
        );
        assert!(matches!(
            accounts
                .verify_password("amina@ohchr.example", "wrong")
                .await,
            Err(AuthError::BadCredentials)
        ));
        assert!(matches!(
            accounts
                .verify_password("nobody@ohchr.example", "wrong")
                .await,
            Err(AuthError::BadCredentials)
        ));
        assert!(matches!(
            accounts
                .add_user(
                    "AMINA@ohchr.example",
                    "Again",
                    Role::Ngo,
                    "correct horse battery"
                )
                .await,
            Err(AuthError::EmailTaken(_))
        ));
        assert!(matches!(
            accounts.add_user("x@y", "X", Role::Ngo, "short").await,
            Err(AuthError::WeakPassword)
        ));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn sessions_and_tokens_end_when_the_account_is_disabled() {
        let (_dir, accounts) = accounts().await;
        let user = accounts
            .add_user(
                "hq@ohchr.example",
                "HQ",
                Role::HqReviewer,
                "a long enough password",
            )
            .await
            .unwrap();
        let session = accounts.create_session(&user).await.unwrap();
        let token = accounts.create_token("hq@ohchr.example").await.unwrap();
        assert_eq!(
            accounts.user_for_session(&session).await.unwrap(),
            Some(user.clone())
        );
        assert_eq!(
            accounts.user_for_token(&token).await.unwrap(),
            Some(user.clone())
        );
        assert_eq!(accounts.user_for_token("forged").await.unwrap(), None);
        accounts.disable("hq@ohchr.example").await.unwrap();
        assert_eq!(accounts.user_for_session(&session).await.unwrap(), None);
        assert_eq!(accounts.user_for_token(&token).await.unwrap(), None);
        assert!(matches!(
            accounts
                .verify_password("hq@ohchr.example", "a long enough password")
                .await,
            Err(AuthError::BadCredentials)
        ));
    }
}
