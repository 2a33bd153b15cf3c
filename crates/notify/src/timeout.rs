//! The `timeout` of the settings: how it is written in a configuration file, and its bounds.

use std::time::Duration;

use serde::{de::Error as _, Deserialize, Deserializer};

use crate::NotifyError;

/// The timeout when the settings do not give one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest timeout accepted.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(600);

pub(crate) fn default() -> Duration {
    DEFAULT_TIMEOUT
}

/// Reads a timeout written as a number of seconds (`30`, `2.5`) or as text with a unit (`"30s"`,
/// `"1500ms"`, `"2m"`, `"2 min"`).
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Seconds(f64),
        Text(String),
    }
    let seconds = match Written::deserialize(deserializer)? {
        Written::Seconds(seconds) => seconds,
        Written::Text(text) => parse(&text).map_err(D::Error::custom)?,
    };
    let duration = Duration::try_from_secs_f64(seconds).map_err(|_| {
        D::Error::custom(format!("bad timeout {seconds}: give a number of seconds"))
    })?;
    check(duration).map_err(|e| D::Error::custom(e.to_string()))?;
    Ok(duration)
}

/// Seconds in `text`: a number, then optionally `ms`, `s`, `m` or `min`.
fn parse(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let bad = || format!("bad timeout {text:?}: write it as \"30s\", \"1500ms\" or \"2m\"");
    let number: f64 = number.parse().map_err(|_| bad())?;
    let scale = match unit.trim() {
        "" | "s" | "sec" | "secs" | "seconds" => 1.0,
        "ms" => 0.001,
        "m" | "min" | "mins" | "minutes" => 60.0,
        _ => return Err(bad()),
    };
    Ok(number * scale)
}

/// Refuses a zero timeout (which would never wait) and one over [`MAX_TIMEOUT`].
pub(crate) fn check(timeout: Duration) -> Result<(), NotifyError> {
    if timeout.is_zero() || timeout > MAX_TIMEOUT {
        return Err(NotifyError::BadSettings(format!(
            "the timeout is {timeout:?}; it must be more than zero and at most {MAX_TIMEOUT:?}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct Holder {
        #[serde(deserialize_with = "deserialize", default = "default")]
        timeout: Duration,
    }

    fn read(toml_text: &str) -> Result<Duration, String> {
        toml::from_str::<Holder>(toml_text)
            .map(|h| h.timeout)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn numbers_are_seconds_and_text_has_units() {
        assert_eq!(read("").unwrap(), DEFAULT_TIMEOUT);
        assert_eq!(read("timeout = 10").unwrap(), Duration::from_secs(10));
        assert_eq!(read("timeout = 2.5").unwrap(), Duration::from_millis(2500));
        assert_eq!(read("timeout = \"45s\"").unwrap(), Duration::from_secs(45));
        assert_eq!(
            read("timeout = \"1500ms\"").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(
            read("timeout = \"2 min\"").unwrap(),
            Duration::from_secs(120)
        );
        assert_eq!(read("timeout = \"3\"").unwrap(), Duration::from_secs(3));
    }

    #[test]
    fn nonsense_zero_negative_and_huge_timeouts_are_refused() {
        for bad in [
            "timeout = 0",
            "timeout = -1",
            "timeout = nan",
            "timeout = inf",
            "timeout = 1e300",
            "timeout = 3600",
            "timeout = \"soon\"",
            "timeout = \"5 hours\"",
            "timeout = \"\"",
            "timeout = true",
        ] {
            assert!(read(bad).is_err(), "{bad} was accepted");
        }
        assert!(read("timeout = 0").unwrap_err().contains("more than zero"));
    }
}
