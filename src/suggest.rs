//! "Did you mean" suggestions.

/// The candidate closest to `input` by edit distance, if it is close enough to be a typo.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (input.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (levenshtein(input, c), c))
        .filter(|(d, c)| *d <= limit || (input.len() >= 3 && c.starts_with(input)))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_only() {
        let abilities = ["pkp-signing", "lit-action-execution"];
        assert_eq!(closest("pkp-sign", abilities), Some("pkp-signing"));
        assert_eq!(
            closest("lit-action-exec", abilities),
            Some("lit-action-execution")
        );
        assert_eq!(closest("decrypt", abilities), None);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }
}
