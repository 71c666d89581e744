//! Any bytes as a policy file: never panics; whatever parses formats to text that parses to
//! the same tree, and formatting that text changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use litcap::{load_inputs, PolicyFormat};

fuzz_target!(|data: &[u8]| {
    let loaded = load_inputs(vec![(
        "fuzz.litcap".into(),
        PolicyFormat::Dsl,
        data.to_vec(),
    )]);
    let Some(file) = loaded.files.first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (_, diags) = litcap::internal::syntax::parse(0, text);
    if diags.has_errors() {
        return;
    }
    let formatted = litcap::internal::syntax::format::format(file, text);
    let (again, diags) = litcap::internal::syntax::parse(0, &formatted);
    assert!(
        diags.is_empty(),
        "formatted text does not parse: {diags:?}\n{formatted}"
    );
    let strip = |f: &litcap::internal::syntax::PolicyFile| {
        let mut f = f.without_spans();
        // `fmt` drops trailing whitespace in comments.
        for c in &mut f.comments {
            c.text = c.text.trim_end().to_string();
        }
        f.comments.sort_by(|a, b| a.text.cmp(&b.text));
        f
    };
    assert_eq!(strip(file), strip(&again));
    assert_eq!(
        litcap::internal::syntax::format::format(&again, &formatted),
        formatted
    );
});
