//! Small random helpers on top of `rand`.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

pub(crate) type Rng = ChaCha8Rng;

/// A standard normal deviate (Box-Muller).
pub(crate) fn normal(rng: &mut Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// An exponential deviate with the given mean.
pub(crate) fn exponential(rng: &mut Rng, mean: f64) -> f64 {
    -(1.0 - rng.random::<f64>()).ln() * mean
}

/// Index of an item picked with probability proportional to its weight.
pub(crate) fn pick_weighted(rng: &mut Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// Pick `n` distinct items from `candidates`, each drawn with probability proportional to its weight
/// (Efraimidis-Spirakis keys), in candidate order.
pub(crate) fn sample_weighted(rng: &mut Rng, candidates: &[(usize, f64)], n: usize) -> Vec<usize> {
    let mut keyed: Vec<(f64, usize)> = candidates
        .iter()
        .map(|&(i, w)| {
            let u: f64 = 1.0 - rng.random::<f64>();
            (
                if w > 0.0 {
                    u.ln() / w
                } else {
                    f64::NEG_INFINITY
                },
                i,
            )
        })
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut chosen: Vec<usize> = keyed
        .into_iter()
        .take(n)
        .filter(|k| k.0.is_finite())
        .map(|k| k.1)
        .collect();
    chosen.sort_unstable();
    chosen
}

/// Scale an expected count per 1,000 pupils to a school of `pupils`, rounding to the nearest whole number.
pub(crate) fn per_thousand(pupils: usize, rate: f64) -> usize {
    (pupils as f64 * rate / 1000.0).round() as usize
}
