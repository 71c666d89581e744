//! Differential: any `urn:recap:` that decodes re-encodes to the same bytes when it was
//! canonical, and its re-encoding always decodes to the same recap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use litcap::Recap;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    // Half the inputs are raw payloads, so the fuzzer need not learn the prefix.
    let urn = if s.starts_with("urn:recap:") {
        s.to_string()
    } else {
        format!("urn:recap:{s}")
    };
    if let Ok(d) = Recap::decode(&urn) {
        let encoded = d.recap.encode();
        if d.canonical {
            assert_eq!(encoded, urn);
        }
        let again = Recap::decode(&encoded).expect("re-encoding decodes");
        assert!(again.canonical);
        assert_eq!(again.recap.encode(), encoded);
        let _ = d.recap.statement();
    }
});
