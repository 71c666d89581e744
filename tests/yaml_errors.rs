//! Diagnostics of YAML and JSON policies land on the right line and column: schema
//! violations (one test per field of the YAML form), the model's own checks, and bad input
//! (alias bombs, deep nesting, duplicate keys, huge files) that must fail early and clearly
//! (how long loading takes is measured by `benches/check.rs`, not here).

use litcap::diag::{location, Code};
use litcap::internal::load::{load_inputs, PolicyFormat};

/// `(code, message, line, column, help)` of every diagnostic, in order.
fn check(format: PolicyFormat, text: &str) -> Vec<(Code, String, usize, usize, String)> {
    let name = match format {
        PolicyFormat::Json => "p.litcap.json",
        _ => "p.litcap.yaml",
    };
    let loaded = load_inputs(vec![(name.into(), format, text.as_bytes().to_vec())]);
    loaded
        .diagnostics
        .iter()
        .map(|d| {
            let (line, col) = location(d, &loaded.sources)
                .map(|l| (l.line, l.column))
                .unwrap_or((0, 0));
            (
                d.code,
                d.message.clone(),
                line,
                col,
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn yaml(text: &str) -> Vec<(Code, String, usize, usize, String)> {
    check(PolicyFormat::Yaml, text)
}

/// Exactly one diagnostic, with this code, at this place, whose message contains `needle`.
#[track_caller]
fn one(
    diags: Vec<(Code, String, usize, usize, String)>,
    code: Code,
    line: usize,
    column: usize,
    needle: &str,
) -> String {
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let (c, message, l, col, help) = &diags[0];
    assert_eq!(*c, code, "{diags:#?}");
    assert_eq!((*l, *col), (line, column), "{diags:#?}");
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    assert!(!help.is_empty(), "no help: {diags:#?}");
    help.clone()
}

const GRANT: &str =
    "- grant: g\n  domain: app.example.com\n  allow:\n    - pkp-signing: lit-pkp://*\n";

// ------------------------------------------------------------- one test per field ---

#[test]
fn top_level_must_be_a_list() {
    let help = one(
        yaml("grants:\n  - grant: g\n"),
        Code::SchemaViolation,
        1,
        1,
        "a policy file is a list of `grant` and `session` blocks, found a mapping",
    );
    assert!(help.contains("- grant: <name>"), "{help}");
}

#[test]
fn block_must_be_a_mapping() {
    one(
        yaml(&format!("{GRANT}- session s from g\n")),
        Code::SchemaViolation,
        5,
        3,
        "each block is a mapping that starts with `grant:` or `session:`",
    );
}

#[test]
fn block_needs_grant_or_session() {
    one(
        yaml("- domain: app.example.com\n"),
        Code::SchemaViolation,
        1,
        3,
        "this block has neither `grant` nor `session`",
    );
}

#[test]
fn field_grant() {
    one(
        yaml("- grant: [a, b]\n  domain: x.example\n"),
        Code::SchemaViolation,
        1,
        10,
        "`grant` must be a name (a string), found a list",
    );
}

#[test]
fn field_domain() {
    one(
        yaml("- grant: g\n  domain: 5\n"),
        Code::SchemaViolation,
        2,
        11,
        "`domain` must be a domain such as `app.example.com`, found the number `5`",
    );
}

#[test]
fn field_statement() {
    one(
        yaml("- grant: g\n  domain: a.example\n  statement:\n    text: hi\n"),
        Code::SchemaViolation,
        4,
        5,
        "`statement` must be a string, found a mapping",
    );
}

#[test]
fn field_chain_id() {
    let help = one(
        yaml("- grant: g\n  domain: a.example\n  chain-id: \"1\"\n"),
        Code::SchemaViolation,
        3,
        13,
        "`chain-id` must be a positive integer such as `1`, found the string `1`",
    );
    assert!(help.contains("without quotes"), "{help}");
    one(
        yaml("- grant: g\n  domain: a.example\n  chain-id: -4\n"),
        Code::SchemaViolation,
        3,
        13,
        "found the number `-4`",
    );
    // 0 is well-formed; the model says why it is unusable, as for the DSL.
    one(
        yaml("- grant: g\n  domain: a.example\n  chain-id: 0\n"),
        Code::InvalidChainId,
        3,
        13,
        "chain id `0`",
    );
}

#[test]
fn field_max_ttl() {
    one(
        yaml("- grant: g\n  domain: a.example\n  max-ttl: 24\n"),
        Code::SchemaViolation,
        3,
        12,
        "`max-ttl` must be a duration such as `24h`, found the number `24`",
    );
    one(
        yaml("- grant: g\n  domain: a.example\n  max-ttl: 24x\n"),
        Code::InvalidDuration,
        3,
        12,
        "`24x` is not a duration",
    );
}

#[test]
fn field_allow() {
    one(
        yaml("- grant: g\n  domain: a.example\n  allow: pkp-signing\n"),
        Code::SchemaViolation,
        3,
        10,
        "`allow` must be a list of `- <ability>: <resource>` entries, found the string `pkp-signing`",
    );
}

#[test]
fn allow_entries() {
    let help = one(
        yaml("- grant: g\n  domain: a.example\n  allow:\n    - pkp-signing on lit-pkp://*\n"),
        Code::SchemaViolation,
        4,
        7,
        "each `allow` entry must be a mapping `<ability>: <resource>`",
    );
    assert!(help.contains("`- pkp-signing: lit-pkp://*`"), "{help}");
    one(
        yaml("- grant: g\n  domain: a.example\n  allow:\n    - pkp-signing: lit-pkp://*\n      lit-action-execution: lit-litaction://*\n"),
        Code::SchemaViolation,
        4,
        7,
        "names more than one ability (`pkp-signing` and `lit-action-execution`)",
    );
    one(
        yaml("- grant: g\n  domain: a.example\n  allow:\n    - where: {a: 1}\n"),
        Code::SchemaViolation,
        4,
        7,
        "this `allow` entry names no ability",
    );
    one(
        yaml("- grant: g\n  domain: a.example\n  allow:\n    - pkp-signing: 5\n"),
        Code::SchemaViolation,
        4,
        20,
        "the resource of `pkp-signing` must be a string such as `lit-pkp://*`, found the number `5`",
    );
    let help = one(
        yaml("- grant: g\n  domain: a.example\n  allow:\n    - pkp-signing: lit-pkp://*\n      wher: {a: 1}\n"),
        Code::SchemaViolation,
        5,
        7,
        "unknown key `wher` in an `allow` entry",
    );
    assert_eq!(help, "did you mean `where`?");
}

#[test]
fn field_where() {
    one(
        yaml("- grant: g\n  domain: a.example\n  allow:\n    - pkp-signing: lit-pkp://*\n      where: [1, 2]\n"),
        Code::SchemaViolation,
        5,
        14,
        "`where` must be a mapping of nota-bene data, found a list",
    );
}

#[test]
fn field_signer_pkp_unquoted() {
    // A whole address overflows every number: the reader says it is an address to quote.
    let pkp = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A";
    let text = format!("- grant: g\n  domain: a.example\n  signer:\n    pkp: {pkp}\n  allow:\n    - pkp-signing: lit-pkp://*\n");
    let help = one(
        yaml(&text),
        Code::InvalidNumber,
        4,
        10,
        &format!(
            "`{pkp}` is an Ethereum address, and unquoted YAML reads it as a hexadecimal number"
        ),
    );
    assert!(
        help.starts_with(&format!("quote the address: `\"{pkp}\"`")),
        "{help}"
    );
    // Quoted, it is the PKP.
    let quoted = text.replace(pkp, &format!("\"{pkp}\""));
    assert!(yaml(&quoted)
        .iter()
        .all(|d| !matches!(d.0, Code::InvalidNumber | Code::SchemaViolation)));
    // A short hex fits a number: the schema names the field and asks for quotes.
    let help = one(
        yaml(&text.replace(pkp, "0x1234")),
        Code::SchemaViolation,
        4,
        10,
        "the PKP address must be a string, found the number `4660`",
    );
    assert!(help.starts_with("quote the address"), "{help}");
    // Another long hex value, unquoted elsewhere: the same advice without the word address.
    let hash = format!("0x{}", "ab".repeat(32));
    let help = one(
        yaml(&format!(
            "- grant: g\n  domain: a.example\n  allow:\n    - pkp-signing: {hash}\n"
        )),
        Code::InvalidNumber,
        4,
        20,
        "is unquoted, so YAML reads it as a hexadecimal number",
    );
    assert!(help.starts_with("quote the value"), "{help}");
}

#[test]
fn field_session() {
    one(
        yaml(&format!("{GRANT}- session: 12\n  from: g\n")),
        Code::SchemaViolation,
        5,
        12,
        "`session` must be a name (a string), found the number `12`",
    );
}

#[test]
fn field_from() {
    let help = one(
        yaml(&format!("{GRANT}- session: s\n  ttl: 1h\n")),
        Code::SchemaViolation,
        5,
        3,
        "session `s` has no `from`",
    );
    assert!(help.contains("from: <grant>"), "{help}");
    one(
        yaml(&format!("{GRANT}- session: s\n  from: nope\n")),
        Code::UnknownGrant,
        6,
        9,
        "nope",
    );
}

#[test]
fn field_ttl() {
    one(
        yaml(&format!("{GRANT}- session: s\n  from: g\n  ttl: 30\n")),
        Code::SchemaViolation,
        7,
        8,
        "`ttl` must be a duration such as `24h`, found the number `30`",
    );
}

#[test]
fn field_request() {
    one(
        yaml(&format!(
            "{GRANT}- session: s\n  from: g\n  request:\n    pkp-signing: lit-pkp://*\n"
        )),
        Code::SchemaViolation,
        8,
        5,
        "`request` must be a list of `- <ability>: <resource>` entries, found a mapping",
    );
    let help = one(
        yaml(&format!("{GRANT}- session: s\n  from: g\n  request:\n    - pkp-signing: lit-pkp://*\n      where: {{a: 1}}\n")),
        Code::SchemaViolation,
        9,
        7,
        "a `request` entry has no `where` data",
    );
    assert!(help.contains("grant's `allow`"), "{help}");
}

#[test]
fn unknown_keys_get_did_you_mean() {
    let help = one(
        yaml("- grant: g\n  domian: a.example\n"),
        Code::SchemaViolation,
        2,
        3,
        "unknown key `domian` in grant `g`",
    );
    assert_eq!(help, "did you mean `domain`?");
    let help = one(
        yaml(&format!(
            "{GRANT}- session: s\n  from: g\n  allow:\n    - pkp-signing: lit-pkp://*\n"
        )),
        Code::SchemaViolation,
        7,
        3,
        "unknown key `allow` in session `s`",
    );
    assert!(help.contains("under `request`"), "{help}");
    // A misspelt `grant` is reported once, as the unknown key.
    let help = one(
        yaml("- grnt: g\n  domain: a.example\n"),
        Code::SchemaViolation,
        1,
        3,
        "unknown key `grnt`",
    );
    assert_eq!(help, "did you mean `grant`?");
}

// ------------------------------------------------------------------ model errors ---

#[test]
fn model_errors_point_into_the_yaml() {
    // An unknown ability is the model's, with its did-you-mean, as in the DSL.
    let help = one(
        yaml("- grant: g\n  domain: a.example\n  allow:\n    - pkp-sign: lit-pkp://*\n"),
        Code::UnknownAbility,
        4,
        7,
        "unknown ability `pkp-sign`",
    );
    assert_eq!(help, "did you mean `pkp-signing`?");
    one(
        yaml(&format!("{GRANT}- session: s\n  from: g\n  request:\n    - lit-action-execution: lit-litaction://Qm1\n")),
        Code::NotCovered,
        8,
        7,
        "lit-action-execution",
    );
    one(
        yaml("- grant: g\n  domain: a.example\n  allow:\n    - pkp-signing: lit-litaction://*\n"),
        Code::AbilityResourceMismatch,
        4,
        7,
        "pkp-signing",
    );
    one(
        yaml(&format!(
            "{GRANT}  max-ttl: 1h\n- session: s\n  from: g\n  ttl: 2h\n  request:\n    - pkp-signing: lit-pkp://*\n"
        )),
        Code::TtlTooLong,
        8,
        8,
        "longer than the grant's `max-ttl 1h`",
    );
    one(
        yaml("- grant: g\n  allow:\n    - pkp-signing: lit-pkp://*\n"),
        Code::MissingDomain,
        1,
        10,
        "grant `g` has no `domain`",
    );
}

#[test]
fn json_positions() {
    let text = "[\n  {\n    \"grant\": \"g\",\n    \"domain\": \"a.example\",\n    \"max-ttl\": 5\n  }\n]\n";
    one(
        check(PolicyFormat::Json, text),
        Code::SchemaViolation,
        5,
        16,
        "`max-ttl` must be a duration such as `24h`, found the number `5`",
    );
    let text = "[\n  {\"grant\": \"g\", \"domain\": \"a.example\", \"allow\": [{\"pkp-signing\": \"lit-ratelimitincrease://1\"}]}\n]\n";
    one(
        check(PolicyFormat::Json, text),
        Code::AbilityResourceMismatch,
        2,
        52,
        "pkp-signing",
    );
}

// --------------------------------------------------------------------- bad input ---

#[test]
fn duplicate_keys_name_both_places() {
    let loaded = load_inputs(vec![(
        "p.litcap.yaml".into(),
        PolicyFormat::Yaml,
        b"- grant: g\n  domain: a.example\n  domain: b.example\n".to_vec(),
    )]);
    let d = &loaded.diagnostics.0[0];
    assert_eq!(loaded.diagnostics.len(), 1);
    assert_eq!(d.code, Code::Syntax);
    assert_eq!(d.message, "key `domain` appears twice");
    let file = loaded.sources.get(0).unwrap();
    assert_eq!(file.line_col(d.span.unwrap().start), (3, 3));
    assert_eq!(file.line_col(d.related[0].span.start), (2, 3));
    let json = check(PolicyFormat::Json, "[{\"grant\": \"g\", \"grant\": \"h\"}]");
    assert_eq!(json[0].1, "key `grant` appears twice");
    assert_eq!((json[0].2, json[0].3), (1, 17));
}

#[test]
fn alias_bombs_stop_early() {
    let mut bomb = String::from("- grant: g\n  domain: a.example\n  allow:\n    - pkp-signing: lit-pkp://*\n      where:\n        a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!(
            "        a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let d = yaml(&bomb);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].0, Code::Syntax);
    assert!(d[0].1.contains("aliases expand to more than"), "{}", d[0].1);
    // Aliases within the budget are plain copies.
    let d = yaml("- grant: g\n  domain: &d a.example\n- grant: h\n  domain: *d\n");
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn deep_nesting_is_a_diagnostic() {
    for text in [
        format!("- grant: g\n  domain: a.example\n  allow:\n    - pkp-signing: lit-pkp://*\n      where: {{a: {}}}\n", "[".repeat(100_000)),
        {
            let mut t = String::from("- grant: g\n  domain: a.example\n  allow:\n    - pkp-signing: lit-pkp://*\n      where:\n");
            for i in 0..500 {
                t.push_str(&" ".repeat(8 + 2 * i));
                t.push_str("k:\n");
            }
            t
        },
    ] {
        let d = yaml(&text);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].0, Code::NestingTooDeep, "{d:#?}");
    }
    let json = format!("[{}", "{\"a\":".repeat(50_000));
    let d = check(PolicyFormat::Json, &json);
    assert_eq!(d[0].0, Code::NestingTooDeep);
}

#[test]
fn wrong_yaml_is_a_syntax_error_with_a_position() {
    let d = yaml("- grant: g\n  domain: [a\n");
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].0, Code::Syntax);
    assert!(d[0].1.starts_with("the YAML does not parse"), "{}", d[0].1);
    let d = yaml("- grant: g\n    domain: x\n  allow: y\n");
    assert_eq!(d[0].0, Code::Syntax, "{d:#?}");
    assert_eq!(d[0].2, 2, "{d:#?}");
    let d = yaml("- grant: !!binary aGk=\n");
    assert!(d[0].1.contains("unsupported YAML tag `!!binary`"), "{d:#?}");
    let d = yaml("- grant: g\n  domain: .inf\n");
    assert_eq!(d[0].0, Code::InvalidNumber, "{d:#?}");
    let d = yaml("- grant: g\n---\n- grant: h\n");
    assert!(d[0].1.contains("more than one YAML document"), "{d:#?}");
    assert!(yaml("").is_empty());
    assert!(yaml("# nothing yet\n").is_empty());
    assert!(yaml("[]\n").is_empty());
    assert!(yaml("---\n# an empty document\n").is_empty());
}

/// A large YAML policy of `n` grant/session pairs (also generated by `benches/check.rs`, which
/// measures how long a 10 MB one takes to load: timing belongs in benchmarks, not tests).
fn big_yaml(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "- grant: g{i}\n  domain: app.example.com\n  max-ttl: 1d\n  allow:\n    - pkp-signing: lit-pkp://0xb03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f\n      where: {{nb: [1, 2, 3], note: \"x\"}}\n- session: s{i}\n  from: g{i}\n  ttl: 1h\n  request:\n    - pkp-signing: lit-pkp://0xb03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f\n"
        ));
    }
    text
}

#[test]
fn big_files_are_read_whole_and_huge_ones_refused() {
    // About 2 MB of grants and sessions: every one is read, none reported.
    let n = 5_000;
    let loaded = load_inputs(vec![(
        "big.litcap.yaml".into(),
        PolicyFormat::Yaml,
        big_yaml(n).into_bytes(),
    )]);
    assert!(
        loaded.diagnostics.is_empty(),
        "{:?}",
        loaded.diagnostics.0.first()
    );
    assert_eq!(loaded.policy.sessions.len(), n);
    assert_eq!(loaded.policy.grants.len(), n);
    // Above the DSL's limit the file is refused before parsing: one diagnostic.
    let huge = "#".repeat(litcap::internal::syntax::parser::MAX_FILE_BYTES + 1);
    let d = yaml(&huge);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].0, Code::FileTooLarge);
}

#[test]
fn field_signer_and_auth_action() {
    const PKP: &str = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A";
    const CID: &str = "QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA";
    one(
        yaml(&format!("{GRANT}  signer: \"{PKP}\"\n")),
        Code::SchemaViolation,
        5,
        11,
        "`signer` must be a mapping `{ pkp: \"0x<eth address>\" }`, found a string",
    );
    let help = one(
        yaml(&format!("{GRANT}  signer: {{ pkpp: \"{PKP}\" }}\n")),
        Code::SchemaViolation,
        5,
        11,
        "unknown signer kind `pkpp`",
    );
    assert!(help.starts_with("did you mean `pkp`?"), "{help}");
    one(
        yaml(&format!("{GRANT}  signer: {{}}\n")),
        Code::SchemaViolation,
        5,
        11,
        "`signer` names no signer",
    );
    one(
        yaml(&format!("{GRANT}  signer: {{ pkp: 5 }}\n")),
        Code::SchemaViolation,
        5,
        18,
        "the PKP address must be a string",
    );
    // The model's checks, at the value.
    let typo = PKP.replacen("E7E", "e7E", 1);
    one(
        yaml(&format!("{GRANT}  signer: {{ pkp: \"{typo}\" }}\n")),
        Code::InvalidAddress,
        5,
        18,
        "fails its EIP-55 checksum",
    );
    one(
        yaml(&format!("{GRANT}  auth-action: [1]\n")),
        Code::SchemaViolation,
        5,
        17,
        "each `auth-action` entry must be an IPFS CID",
    );
    let help = one(
        yaml(&format!("{GRANT}  auth-action:\n    - ipfs://{CID}\n")),
        Code::InvalidCid,
        6,
        7,
        "is not an IPFS CID",
    );
    assert!(
        help.starts_with(&format!("did you mean `{CID}`?")),
        "{help}"
    );
    one(
        check(
            PolicyFormat::Json,
            &format!(
                "[{{\"grant\": \"g\", \"domain\": \"a.example\", \"signer\": {{\"pkp\": \"{PKP}\"}}, \"auth-action\": \"{CID}\"}}]"
            ),
        ),
        Code::SchemaViolation,
        1,
        120,
        "`auth-action` must be a list of IPFS CIDs, found a string",
    );
}

#[test]
fn erc5573_entries() {
    // Any `namespace/name` key is an ability under `network: erc5573`; one per entry.
    let ok = yaml("- network: erc5573\n- grant: g\n  domain: a.example\n  allow:\n    - crud/read: https://a.example\n      where: {max: 1}\n");
    assert!(!ok.iter().any(|d| d.0 == Code::SchemaViolation), "{ok:?}");
    one(
        yaml("- network: erc5573\n- grant: g\n  domain: a.example\n  allow:\n    - crud/read: https://a.example\n      crud/write: https://a.example\n"),
        Code::SchemaViolation,
        5,
        7,
        "names more than one ability (`crud/read` and `crud/write`)",
    );
    // A Lit and an ERC-5573 ability in one entry: the schema refuses it too (`maxProperties`).
    for network in ["erc5573", "datil"] {
        one(
            yaml(&format!("- network: {network}\n- grant: g\n  domain: a.example\n  allow:\n    - pkp-signing: lit-pkp://*\n      crud/read: https://a.example\n")),
            Code::SchemaViolation,
            5,
            7,
            "names more than one ability (`pkp-signing` and `crud/read`)",
        );
    }
}
