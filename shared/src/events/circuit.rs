//! A circuit per subscription: after `TRIP_AFTER` failed sends in a row the dispatcher
//! stops sending to that endpoint for a while (doubling, at most `MAX_OPEN`), then
//! tries one delivery; a success closes the circuit. A dead partner then costs one
//! connection now and then instead of `per_subscription` timeouts without end. The
//! state lives in the process: each replica backs off on its own.

use std::time::{Duration, Instant};

/// Failed sends in a row that open the circuit.
pub const TRIP_AFTER: u32 = 5;
/// The longest the circuit stays open: a partner that is back is sent to again
/// within this time.
pub const MAX_OPEN: Duration = Duration::from_secs(60);

#[derive(Clone, Debug, Default)]
pub struct Circuit {
    failures: u32,
    open_until: Option<Instant>,
}

impl Circuit {
    /// How many deliveries may be sent at `now`: none while open, one to probe an
    /// endpoint that has been failing, `bound` otherwise.
    pub fn allowance(&self, now: Instant, bound: usize) -> usize {
        match self.open_until {
            Some(until) if now < until => 0,
            _ if self.failures >= TRIP_AFTER => 1,
            _ => bound,
        }
    }

    /// Notes one send; `base` is the first pause once the circuit trips.
    pub fn note(&mut self, ok: bool, now: Instant, base: Duration) {
        if ok {
            *self = Self::default();
            return;
        }
        self.failures = self.failures.saturating_add(1);
        if self.failures >= TRIP_AFTER {
            let doublings = (self.failures - TRIP_AFTER).min(16);
            let pause = base
                .saturating_mul(2u32.saturating_pow(doublings))
                .min(MAX_OPEN);
            self.open_until = Some(now + pause);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_circuit_opens_after_failures_probes_then_closes_on_success() {
        let base = Duration::from_secs(1);
        let t0 = Instant::now();
        let mut c = Circuit::default();
        for _ in 0..TRIP_AFTER - 1 {
            c.note(false, t0, base);
        }
        assert_eq!(c.allowance(t0, 4), 4, "not yet tripped");
        c.note(false, t0, base);
        assert_eq!(c.allowance(t0, 4), 0, "open");
        let later = t0 + Duration::from_millis(1001);
        assert_eq!(c.allowance(later, 4), 1, "one probe");
        c.note(false, later, base);
        assert_eq!(c.allowance(later + Duration::from_millis(1500), 4), 0);
        assert_eq!(c.allowance(later + Duration::from_millis(2001), 4), 1);
        c.note(true, later, base);
        assert_eq!(c.allowance(later, 4), 4, "closed again");
        for _ in 0..40 {
            c.note(false, t0, base);
        }
        assert_eq!(
            c.allowance(t0 + MAX_OPEN, 4),
            1,
            "never open beyond MAX_OPEN"
        );
    }
}
