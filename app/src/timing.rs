//! Slow steps in the browser's performance timeline, where DevTools (and
//! `make bench`) show them: `accord:<step>` measures, for steps of 50 ms or
//! more only, so a long session does not fill the timeline with every
//! small sync message.

/// Steps shorter than this leave no entry.
const SLOW_MS: f64 = 50.0;

/// Runs `f`; if it took [`SLOW_MS`] or more, leaves an `accord:<step>` measure.
pub fn timed<T>(step: &str, f: impl FnOnce() -> T) -> T {
    let Some(performance) = web_sys::window().and_then(|w| w.performance()) else {
        return f();
    };
    let start = format!("accord:{step}:start");
    let started = performance.now();
    let _ = performance.mark(&start);
    let out = f();
    if performance.now() - started >= SLOW_MS {
        let end = format!("accord:{step}:end");
        let _ = performance.mark(&end);
        let _ = performance.measure_with_start_mark_and_end_mark(
            &format!("accord:{step}"),
            &start,
            &end,
        );
        performance.clear_marks_with_mark_name(&end);
    }
    performance.clear_marks_with_mark_name(&start);
    out
}
