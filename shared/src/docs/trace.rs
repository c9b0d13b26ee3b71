//! Traceability across the cycle: from each need to what supports it and
//! what addresses and measures it, from each output back to its needs, and
//! the counts the dashboard shows.

use std::collections::BTreeMap;

use super::items::{members, ordered};
use super::model::*;
use super::vocab::{ActionStatus, NeedStatus};

/// An output (or activity) of the programme, by its ids.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OutputRef {
    pub outcome: String,
    pub output: String,
}

/// A finding of an evaluation document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FindingRef {
    /// The evaluation's document id.
    pub evaluation: String,
    pub finding: String,
}

/// Everything tied to one need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NeedTrace {
    pub need: String,
    pub consultations: Vec<String>,
    pub recommendations: Vec<String>,
    pub submissions: Vec<String>,
    pub outcomes: Vec<String>,
    pub outputs: Vec<OutputRef>,
    pub findings: Vec<FindingRef>,
    /// Validated or proposed, and no output addresses it.
    pub unaddressed: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Traceability {
    /// In the assessment's order.
    pub needs: Vec<NeedTrace>,
    /// Output id → the needs it addresses that still exist.
    pub output_needs: BTreeMap<String, Vec<String>>,
}

impl Traceability {
    pub fn need(&self, id: &str) -> Option<&NeedTrace> {
        self.needs.iter().find(|n| n.need == id)
    }

    pub fn unaddressed(&self) -> impl Iterator<Item = &NeedTrace> {
        self.needs.iter().filter(|n| n.unaddressed)
    }
}

/// Links that point at deleted records are left out.
pub fn trace(
    assessment: &Assessment,
    consultations: Option<&Consultations>,
    programme: Option<&Programme>,
    evaluations: &[(String, Evaluation)],
) -> Traceability {
    let mut out = Traceability::default();
    for (nid, need) in ordered(&assessment.needs) {
        let mut t = NeedTrace {
            need: nid.to_string(),
            consultations: members(&need.consultations)
                .filter(|c| consultations.is_none_or(|r| r.consultations.contains_key(*c)))
                .map(str::to_string)
                .collect(),
            recommendations: members(&need.recommendations)
                .filter(|r| assessment.recommendations.contains_key(*r))
                .map(str::to_string)
                .collect(),
            submissions: members(&need.submissions).map(str::to_string).collect(),
            ..NeedTrace::default()
        };
        if let Some(p) = programme {
            for (oid, outcome) in ordered(&p.outcomes) {
                if outcome.needs.get(nid) == Some(&true) {
                    t.outcomes.push(oid.to_string());
                }
                for (pid, output) in ordered(&outcome.outputs) {
                    if output.needs.get(nid) == Some(&true) {
                        t.outputs.push(OutputRef {
                            outcome: oid.to_string(),
                            output: pid.to_string(),
                        });
                    }
                }
            }
        }
        for (doc, evaluation) in evaluations {
            for (fid, finding) in ordered(&evaluation.findings) {
                if finding.needs.get(nid) == Some(&true) {
                    t.findings.push(FindingRef {
                        evaluation: doc.clone(),
                        finding: fid.to_string(),
                    });
                }
            }
        }
        t.unaddressed = need.status != NeedStatus::Dropped && t.outputs.is_empty();
        out.needs.push(t);
    }
    if let Some(p) = programme {
        for outcome in p.outcomes.values() {
            for (pid, output) in &outcome.outputs {
                out.output_needs.insert(
                    pid.clone(),
                    members(&output.needs)
                        .filter(|n| assessment.needs.contains_key(*n))
                        .map(str::to_string)
                        .collect(),
                );
            }
        }
    }
    out
}

/// Needs still open: proposed or validated.
pub fn open_needs(a: &Assessment) -> usize {
    a.needs
        .values()
        .filter(|n| n.status != NeedStatus::Dropped)
        .count()
}

pub fn output_count(p: &Programme) -> usize {
    p.outcomes.values().map(|o| o.outputs.len()).sum()
}

/// Follow-up actions past due (`today` as `YYYY-MM-DD`) and not finished.
pub fn overdue_actions(e: &Evaluation, today: &str) -> usize {
    e.recommendations
        .values()
        .flat_map(|r| r.actions.values())
        .filter(|a| match a.status {
            ActionStatus::Completed | ActionStatus::NoLongerApplicable => false,
            ActionStatus::Overdue => true,
            _ => super::items::is_date(&a.due) && a.due.as_str() < today,
        })
        .count()
}
