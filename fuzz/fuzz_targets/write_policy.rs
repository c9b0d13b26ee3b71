//! The write-policy check over arbitrary roles, document kinds, facts and
//! paths: never a panic, and its answers agree with each other.
#![no_main]

use accord_shared::policy::{render_path, Access, DocFacts, DocKind, PathStep, Role, WritePolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [r, k, f, rest @ ..] = data else {
        return;
    };
    let role = Role::ALL[usize::from(*r) % Role::ALL.len()];
    let kind = DocKind::ALL[usize::from(*k) % DocKind::ALL.len()];
    let facts = DocFacts {
        shared_with_government: f & 1 != 0,
        own: f & 2 != 0,
        submitted: f & 4 != 0,
        withdrawn: f & 8 != 0,
        parties_granted: f & 16 != 0,
    };
    // The rest is a path: '/'-separated steps, numbers as indexes (keys may
    // be any text, including the section keys, empty or non-UTF-8 lossy).
    let text = String::from_utf8_lossy(rest);
    let path: Vec<PathStep<'_>> = if text.is_empty() {
        Vec::new()
    } else {
        text.split('/')
            .map(|s| match s.parse::<usize>() {
                Ok(i) => PathStep::Index(i),
                Err(_) => PathStep::Key(s),
            })
            .collect()
    };

    let section = WritePolicy::section(kind, &path);
    // Only the first step decides the section.
    assert_eq!(
        section,
        WritePolicy::section(kind, &path[..path.len().min(1)])
    );
    let access = WritePolicy::access(role, kind, section, facts);
    match WritePolicy::may_write(role, kind, &path, facts) {
        Ok(()) => assert_eq!(access, Access::Write),
        Err(refusal) => {
            assert_ne!(access, Access::Write);
            assert_eq!(refusal.role, role);
            assert_eq!(refusal.path, render_path(&path));
            assert!(!refusal.reason.is_empty());
            let _ = refusal.to_string();
        }
    }
    if kind == DocKind::Submission {
        // Withdrawn consent hides a submission; a submitted one is read-only.
        if facts.withdrawn {
            assert_eq!(access, Access::None);
        }
        if facts.submitted {
            assert_ne!(access, Access::Write);
        }
    }
    if role == Role::Admin && !facts.withdrawn && !facts.submitted {
        assert!(access >= Access::Read);
    }
    let _ = WritePolicy::may_read(role, kind, facts);
});
