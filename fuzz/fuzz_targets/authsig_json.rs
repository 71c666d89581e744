//! Any bytes as an AuthSig file (`litcap check --authsig`, `litcap sign --authsig`): reading
//! and checking never panic, and every diagnostic's span (and related span) lies within the
//! text on character boundaries, so the human, JSON and SARIF renderers can quote it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use litcap::internal::authsig::{AuthSigFile, CheckOptions};
use litcap::internal::coverage::Request;
use litcap::diag::{Diagnostics, Sources};
use litcap::{Ability, Resource, ResourcePrefix};

fn spans_within(diags: &Diagnostics, text: &str) {
    for d in diags.iter() {
        let spans = d.span.iter().chain(d.related.iter().map(|r| &r.span));
        for s in spans {
            assert!(
                s.start <= s.end && s.end <= text.len(),
                "span {s:?} outside the text ({} bytes): {}",
                text.len(),
                d.message
            );
            assert!(
                text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
                "span {s:?} not on character boundaries: {}",
                d.message
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = Sources::new();
    let file = sources.add("authsig.json", text);
    let diags = match AuthSigFile::parse(file, text) {
        Err(diags) => diags,
        Ok(f) => {
            // The requests of the vectors, a session key when the message names one (so the
            // URI comparison runs both ways), at the vectors' time.
            let requests = [
                (ResourcePrefix::Pkp, "*", Ability::PkpSigning),
                (ResourcePrefix::LitAction, "*", Ability::LitActionExecution),
            ]
            .into_iter()
            .filter_map(|(p, id, ability)| {
                Some(Request {
                    resource: Resource::new(p, id).ok()?,
                    ability,
                })
            })
            .collect();
            let session_key = (data.len() % 2 == 0).then(|| {
                "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a".to_string()
            });
            let opts = CheckOptions {
                now: "2024-09-19T14:00:00.000Z".parse().unwrap_or_default(),
                session_key,
                requests,
                // The test network key of tests/vectors/bls/: `lit.bls` inputs get the BLS check.
                network_key: litcap::internal::bls::NetworkKey::parse("b12b9726090d651fcb2c854c4064efedbc1ada24557f896150621577fd50cb43aaab37d7319486a5953b46937d9a7d71").ok(),
                uri: None,
                profile: None,
            };
            let report = f.check(&opts);
            let _ = report.to_json(&opts.requests);
            report.diagnostics
        }
    };
    spans_within(&diags, text);
    let _ = litcap::diag::render_human(&diags, &sources, false);
    let _ = litcap::diag::to_sarif(&diags, &sources);
});
