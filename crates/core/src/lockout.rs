//! The sign-in back-off of one sign-in name, known account or not (so both behave the same):
//! after `threshold` failures in a row the name is locked, first for a minute, then twice as
//! long at each lock, up to the longest; a lock that has ended starts the count again (one
//! failure after it does not lock again), and a name left alone for a day after its last
//! failure or lock is forgotten.
//! A complete sign-in clears it. The row lives in the database (`store::sign_in_throttles`),
//! so every server counts the same failures.

use twotier_store::sign_in_throttles::ThrottleRow;

const MINUTE_MS: i64 = 60_000;
/// A day without a failure forgets the name's locks.
const FORGET_MS: i64 = 24 * 60 * MINUTE_MS;

/// How a name is throttled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures in a row that lock the name.
    pub threshold: i32,
    /// The longest lock a password failure leads to.
    pub longest_minutes: i64,
}

/// The first lock lasts this long; each further one twice as long as the one before.
pub const FIRST_LOCK_MINUTES: i64 = 1;

/// Until when the name is refused, if it is now.
pub fn locked_until(row: Option<&ThrottleRow>, now: i64) -> Option<i64> {
    row.and_then(|r| r.locked_until).filter(|&t| t > now)
}

/// The state a fresh count starts from at `now`: the lock that ended and a quiet day both
/// reset the failures; a quiet day also forgets the locks.
fn settled(row: ThrottleRow, now: i64) -> ThrottleRow {
    // Quiet since the last failure, or since the last lock ended.
    let last = row.updated_at.max(row.locked_until.unwrap_or(i64::MIN));
    let quiet = now - last >= FORGET_MS;
    let lock_ended = row.locked_until.is_some_and(|t| t <= now);
    ThrottleRow {
        failures: if quiet || lock_ended { 0 } else { row.failures },
        locks: if quiet { 0 } else { row.locks },
        locked_until: if lock_ended { None } else { row.locked_until },
        updated_at: row.updated_at,
    }
}

/// The next lock: `FIRST_LOCK_MINUTES`, doubled at each lock in a row, at most `longest`.
fn lock(row: ThrottleRow, now: i64, longest_minutes: i64) -> ThrottleRow {
    let locks = row.locks.saturating_add(1);
    let minutes = FIRST_LOCK_MINUTES
        .saturating_mul(1_i64 << (locks - 1).clamp(0, 30))
        .min(longest_minutes.max(FIRST_LOCK_MINUTES));
    ThrottleRow {
        failures: 0,
        locks,
        locked_until: Some(now + minutes * MINUTE_MS),
        updated_at: now,
    }
}

/// After a wrong password (or an unknown name).
pub fn after_failure(row: ThrottleRow, now: i64, policy: Policy) -> ThrottleRow {
    let row = settled(row, now);
    let failures = row.failures.saturating_add(1);
    if failures >= policy.threshold.max(1) {
        lock(row, now, policy.longest_minutes)
    } else {
        ThrottleRow {
            failures,
            updated_at: now,
            ..row
        }
    }
}

/// The longest lock that rounds of wrong second-factor codes lead to: a day.
pub const LONGEST_CODE_LOCK_MINUTES: i64 = 24 * 60;

/// After a round of wrong second-factor codes: the session ended, and the name is locked
/// for the next back-off, which grows up to a day, so guessing codes stays hopeless even
/// for someone who has the password.
pub fn after_code_round(row: ThrottleRow, now: i64) -> ThrottleRow {
    lock(settled(row, now), now, LONGEST_CODE_LOCK_MINUTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy = Policy {
        threshold: 3,
        longest_minutes: 15,
    };

    fn fresh(now: i64) -> ThrottleRow {
        ThrottleRow {
            failures: 0,
            locks: 0,
            locked_until: None,
            updated_at: now,
        }
    }

    fn fail(row: ThrottleRow, now: i64, times: i32) -> ThrottleRow {
        (0..times).fold(row, |r, _| after_failure(r, now, POLICY))
    }

    #[test]
    fn the_threshold_locks_for_a_minute_then_longer_each_time_up_to_the_longest() {
        let mut now = 1_000_000;
        let mut row = fail(fresh(now), now, 2);
        assert_eq!(locked_until(Some(&row), now), None);
        let mut lengths = Vec::new();
        for _ in 0..7 {
            row = fail(row, now, 3);
            let until = locked_until(Some(&row), now).expect("locked");
            lengths.push((until - now) / MINUTE_MS);
            now = until;
            assert_eq!(locked_until(Some(&row), now), None, "the lock ends on time");
        }
        assert_eq!(lengths, vec![1, 2, 4, 8, 15, 15, 15]);
    }

    #[test]
    fn one_failure_after_a_lock_ends_does_not_lock_again() {
        let now = 1_000_000;
        let row = fail(fresh(now), now, 3);
        let after = row.locked_until.expect("locked");
        let row = after_failure(row, after, POLICY);
        assert_eq!(locked_until(Some(&row), after), None);
        assert_eq!(row.failures, 1);
        let row = fail(row, after, 2);
        assert!(locked_until(Some(&row), after).is_some());
    }

    #[test]
    fn a_quiet_day_forgets_the_locks() {
        let now = 1_000_000;
        let row = fail(fresh(now), now, 9);
        assert_eq!(row.locks, 3);
        let later = now + FORGET_MS + 10 * MINUTE_MS;
        let row = fail(row, later, 3);
        assert_eq!(row.locks, 1);
        assert_eq!(row.locked_until, Some(later + MINUTE_MS));
    }

    #[test]
    fn code_rounds_grow_to_a_day() {
        let mut now = 0;
        let mut row = fresh(now);
        let mut last = 0;
        for _ in 0..20 {
            row = after_code_round(row, now);
            let until = row.locked_until.expect("locked");
            last = (until - now) / MINUTE_MS;
            now = until;
        }
        assert_eq!(last, LONGEST_CODE_LOCK_MINUTES);
    }
}
