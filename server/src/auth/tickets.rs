//! Single-use sync tickets for clients that cannot set headers on a WebSocket.
//!
//! Kept in memory only: a ticket lives 60 seconds, and a restart simply
//! makes the client ask for another.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{new_secret, User};

pub const TICKET_TTL: Duration = Duration::from_secs(60);

pub struct Tickets {
    ttl: Duration,
    issued: Mutex<HashMap<String, (User, Instant)>>,
}

impl Default for Tickets {
    fn default() -> Self {
        Self::with_ttl(TICKET_TTL)
    }
}

impl Tickets {
    pub fn with_ttl(ttl: Duration) -> Self {
        Self {
            ttl,
            issued: Mutex::new(HashMap::new()),
        }
    }

    pub fn issue(&self, user: User) -> String {
        let ticket = new_secret();
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        issued.retain(|_, (_, at)| now.duration_since(*at) < self.ttl);
        issued.insert(ticket.clone(), (user, now));
        ticket
    }

    /// The ticket's user, once: a second use, or one after 60 s, gets nothing.
    pub fn redeem(&self, ticket: &str) -> Option<User> {
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        let (user, at) = issued.remove(ticket)?;
        (at.elapsed() < self.ttl).then_some(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_shared::policy::Role;

    fn user() -> User {
        User {
            id: 1,
            email: "a@b.org".into(),
            name: "A".into(),
            role: Role::Ngo,
            disabled: false,
        }
    }

    #[test]
    fn a_ticket_works_once() {
        let tickets = Tickets::default();
        let t = tickets.issue(user());
        assert_eq!(tickets.redeem(&t), Some(user()));
        assert_eq!(tickets.redeem(&t), None);
        assert_eq!(tickets.redeem("never issued"), None);
    }

    #[test]
    fn an_expired_ticket_is_refused() {
        let tickets = Tickets::with_ttl(Duration::from_millis(20));
        let t = tickets.issue(user());
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(tickets.redeem(&t), None);
    }
}
