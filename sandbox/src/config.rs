//! Settings read from the Worker's environment (wrangler.toml [vars], `wrangler dev --var`).

use worker::Env;

#[derive(Clone, Debug)]
pub struct Config {
    /// Multiplies the webhook retry schedule (0.01 turns 5 s into 50 ms).
    pub time_scale: f64,
    /// How long a checkout stays open before the intent expires.
    pub checkout_window_ms: i64,
    /// After Pay on the checkout page, how long until the transfer reaches finality.
    pub confirm_delay_ms: i64,
    /// A delivery attempt fails if no answer arrives within this.
    pub delivery_timeout_ms: i64,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
}

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .ok()
        .map(|v| v.to_string())
        .filter(|v| !v.trim().is_empty())
}

fn number(env: &Env, name: &str, default: f64) -> f64 {
    var(env, name)
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
        .unwrap_or(default)
}

impl Config {
    pub fn from_env(env: &Env) -> Config {
        Config {
            time_scale: number(env, "KUNOG_SANDBOX_TIME_SCALE", 1.0),
            checkout_window_ms: number(env, "KUNOG_SANDBOX_CHECKOUT_WINDOW_MS", 1_800_000.0) as i64,
            confirm_delay_ms: number(env, "KUNOG_SANDBOX_CONFIRM_DELAY_MS", 2_000.0) as i64,
            delivery_timeout_ms: number(env, "KUNOG_SANDBOX_DELIVERY_TIMEOUT_MS", 10_000.0).max(1.0)
                as i64,
            webhook_url: var(env, "KUNOG_SANDBOX_WEBHOOK_URL"),
            webhook_secret: var(env, "KUNOG_SANDBOX_WEBHOOK_SECRET"),
        }
    }
}

/// The contract's retry schedule, in seconds, after attempt 1, 2, ...; about 3 days in all.
pub const RETRY_SCHEDULE_S: [i64; 11] = [
    5, 30, 120, 600, 1_800, 3_600, 10_800, 21_600, 43_200, 86_400, 86_400,
];

/// Attempts in all (the first plus one per schedule step).
pub const MAX_ATTEMPTS: i64 = RETRY_SCHEDULE_S.len() as i64 + 1;

/// The wait after failed attempt `attempt` (1-based): the schedule step, scaled, with
/// ±20 % jitter so that many failing deliveries do not retry in lock step.
pub fn retry_delay_ms(attempt: i64, time_scale: f64, unit_random: f64) -> i64 {
    let index = (attempt.max(1) - 1).min(RETRY_SCHEDULE_S.len() as i64 - 1) as usize;
    let base = RETRY_SCHEDULE_S[index] as f64 * 1000.0 * time_scale;
    let jitter = 0.8 + 0.4 * unit_random;
    (base * jitter).round().max(1.0) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_spans_about_three_days() {
        let total_s: i64 = RETRY_SCHEDULE_S.iter().sum();
        assert!((60 * 3_600..=80 * 3_600).contains(&total_s), "{total_s} s");
        assert_eq!(MAX_ATTEMPTS, 12);
    }

    #[test]
    fn delays_follow_the_schedule_with_bounded_jitter() {
        assert_eq!(retry_delay_ms(1, 1.0, 0.5), 5_000);
        assert_eq!(retry_delay_ms(1, 1.0, 0.0), 4_000);
        assert_eq!(retry_delay_ms(1, 1.0, 1.0), 6_000);
        assert_eq!(retry_delay_ms(2, 1.0, 0.5), 30_000);
        assert_eq!(retry_delay_ms(10, 1.0, 0.5), 86_400_000);
        assert_eq!(retry_delay_ms(50, 1.0, 0.5), 86_400_000);
        assert_eq!(retry_delay_ms(2, 0.01, 0.5), 300);
        assert_eq!(
            retry_delay_ms(1, 0.0, 0.5),
            1,
            "never zero: an alarm in the past would spin"
        );
        for attempt in 1..11 {
            assert!(
                retry_delay_ms(attempt + 1, 1.0, 0.0) > retry_delay_ms(attempt, 1.0, 1.0)
                    || attempt >= 10
            );
        }
    }
}
