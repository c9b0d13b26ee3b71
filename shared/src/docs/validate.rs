//! What is missing or inconsistent in a document, for the editors to show
//! next to the field concerned. Each problem has a stable code (the app
//! translates it) and the path of keys to the field.

use super::items::{ends_before_start, is_date, ordered};
use super::model::*;
use super::vocab::NeedStatus;

/// One thing to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Keys from the document root to the field (record ids included).
    pub path: Vec<String>,
    pub code: ProblemCode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemCode {
    /// A record without its title or main text.
    MissingTitle,
    /// A date that is not `YYYY-MM-DD`.
    BadDate,
    /// An end date before the start date.
    EndBeforeStart,
    /// A programme output with no indicator.
    OutputWithoutIndicator,
    /// An indicator without any target.
    IndicatorWithoutTarget,
    /// An indicator without a baseline value.
    IndicatorWithoutBaseline,
    /// An output that addresses no need.
    OutputWithoutNeed,
    /// A validated need with no supporting consultation, recommendation or submission.
    NeedWithoutEvidence,
    /// A follow-up action without a due date or responsible.
    ActionIncomplete,
}

impl ProblemCode {
    /// The identifier (also the translation key suffix).
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::MissingTitle => "missing_title",
            ProblemCode::BadDate => "bad_date",
            ProblemCode::EndBeforeStart => "end_before_start",
            ProblemCode::OutputWithoutIndicator => "output_without_indicator",
            ProblemCode::IndicatorWithoutTarget => "indicator_without_target",
            ProblemCode::IndicatorWithoutBaseline => "indicator_without_baseline",
            ProblemCode::OutputWithoutNeed => "output_without_need",
            ProblemCode::NeedWithoutEvidence => "need_without_evidence",
            ProblemCode::ActionIncomplete => "action_incomplete",
        }
    }
}

struct Collector(Vec<Problem>);

impl Collector {
    fn at(&mut self, path: &[&str], code: ProblemCode) {
        self.0.push(Problem {
            path: path.iter().map(|s| s.to_string()).collect(),
            code,
        });
    }

    fn dates(&mut self, base: &[&str], start_key: &str, start: &str, end_key: &str, end: &str) {
        for (key, value) in [(start_key, start), (end_key, end)] {
            if !value.is_empty() && !is_date(value) {
                self.at(&[base, &[key]].concat(), ProblemCode::BadDate);
            }
        }
        if ends_before_start(start, end) {
            self.at(&[base, &[end_key]].concat(), ProblemCode::EndBeforeStart);
        }
    }

    fn indicators(&mut self, base: &[&str], indicators: &super::items::Items<Indicator>) {
        for (iid, indicator) in ordered(indicators) {
            let path = [base, &["indicators", iid]].concat();
            if indicator.title.as_str().trim().is_empty() {
                self.at(&[&path[..], &["title"]].concat(), ProblemCode::MissingTitle);
            }
            if indicator.baseline.value.trim().is_empty() {
                self.at(
                    &[&path[..], &["baseline"]].concat(),
                    ProblemCode::IndicatorWithoutBaseline,
                );
            }
            if !indicator
                .targets
                .values()
                .any(|t| !t.value.trim().is_empty())
            {
                self.at(
                    &[&path[..], &["targets"]].concat(),
                    ProblemCode::IndicatorWithoutTarget,
                );
            }
        }
    }
}

pub fn assessment(a: &Assessment) -> Vec<Problem> {
    let mut c = Collector(Vec::new());
    c.dates(
        &[],
        "mission_start",
        &a.mission_start,
        "mission_end",
        &a.mission_end,
    );
    for (id, need) in ordered(&a.needs) {
        if need.title.as_str().trim().is_empty() {
            c.at(&["needs", id, "title"], ProblemCode::MissingTitle);
        }
        let evidence = need.consultations.values().any(|v| *v)
            || need.recommendations.values().any(|v| *v)
            || need.submissions.values().any(|v| *v);
        if need.status == NeedStatus::Validated && !evidence {
            c.at(&["needs", id], ProblemCode::NeedWithoutEvidence);
        }
    }
    c.0
}

pub fn programme(p: &Programme) -> Vec<Problem> {
    let mut c = Collector(Vec::new());
    c.dates(&[], "start", &p.start, "end", &p.end);
    for (oid, outcome) in ordered(&p.outcomes) {
        if outcome.title.as_str().trim().is_empty() {
            c.at(&["outcomes", oid, "title"], ProblemCode::MissingTitle);
        }
        c.indicators(&["outcomes", oid], &outcome.indicators);
        for (pid, output) in ordered(&outcome.outputs) {
            let base = ["outcomes", oid, "outputs", pid];
            if output.title.as_str().trim().is_empty() {
                c.at(&[&base[..], &["title"]].concat(), ProblemCode::MissingTitle);
            }
            if output.indicators.is_empty() {
                c.at(
                    &[&base[..], &["indicators"]].concat(),
                    ProblemCode::OutputWithoutIndicator,
                );
            }
            if !output.needs.values().any(|v| *v) {
                c.at(
                    &[&base[..], &["needs"]].concat(),
                    ProblemCode::OutputWithoutNeed,
                );
            }
            c.indicators(&base, &output.indicators);
            for (aid, activity) in ordered(&output.activities) {
                let path = [&base[..], &["activities", aid]].concat();
                c.dates(&path, "start", &activity.start, "end", &activity.end);
            }
        }
    }
    c.0
}

pub fn evaluation(e: &Evaluation) -> Vec<Problem> {
    let mut c = Collector(Vec::new());
    c.dates(&[], "start", &e.start, "end", &e.end);
    for (rid, rec) in ordered(&e.recommendations) {
        for (aid, action) in ordered(&rec.actions) {
            let path = ["recommendations", rid, "actions", aid];
            if !action.due.is_empty() && !is_date(&action.due) {
                c.at(&[&path[..], &["due"]].concat(), ProblemCode::BadDate);
            }
            if action.due.is_empty() || action.responsible.trim().is_empty() {
                c.at(&path, ProblemCode::ActionIncomplete);
            }
        }
    }
    c.0
}
