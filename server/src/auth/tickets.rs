//! Single-use sync tickets for clients that cannot set headers on a WebSocket.
//!
//! Kept in memory only: a ticket lives 60 seconds, and a restart simply
//! makes the client ask for another.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{new_secret, User};

pub const TICKET_TTL: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct Tickets {
    issued: Mutex<HashMap<String, (User, Instant)>>,
}

impl Tickets {
    pub fn issue(&self, user: User) -> String {
        let ticket = new_secret();
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        issued.retain(|_, (_, at)| now.duration_since(*at) < TICKET_TTL);
        issued.insert(ticket.clone(), (user, now));
        ticket
    }

    /// The ticket's user, once: a second use, or one after 60 s, gets nothing.
    pub fn redeem(&self, ticket: &str) -> Option<User> {
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        let (user, at) = issued.remove(ticket)?;
        (at.elapsed() < TICKET_TTL).then_some(user)
    }
}
