//! The published JSON Schemas, built from the Rust definitions they describe.
//!
//! Kept out of [`crate::schema`] on purpose: the generator reads the AuthSig constants and
//! the model's limits, while `schema` is a reader that [`crate::syntax`] stands on; housing
//! the generator there put `syntax` above the wire formats. Only the drift test uses it (the
//! binary prints the embedded files, [`Schema::text`]).
//!
//! `schemas/*.schema.json` are these values, pretty-printed; `tests/schemas.rs` regenerates
//! them and fails when a file differs (run it with `LITCAP_BLESS=1` to rewrite the files).
//! Ability names and diagnostic codes come from [`Ability::ALL`] and [`Code::ALL`], so a new
//! ability or code changes the schemas and the test says so.

use crate::diag::{Code, Severity};
use crate::model::MAX_SAFE_CHAIN_ID;
use crate::schema::Schema;
use crate::wire::authsig::{DERIVED_VIA_PERSONAL_SIGN, DERIVED_VIA_SESSION};
use crate::wire::lit::Ability;
use serde_json::{json, Map, Value};

/// Where the schemas are published (the `$id` of each is this plus its file name).
pub const BASE_URL: &str = "https://raw.githubusercontent.com/litcap/litcap/main/schemas/";

/// A duration as the DSL and [`crate::time::Ttl::parse`] accept it.
pub const DURATION_PATTERN: &str = "^([0-9]+[dhms])+$";

pub fn generate(schema: Schema) -> Value {
    let mut v = match schema {
        Schema::Policy => policy(),
        Schema::AuthSig => authsig(),
        Schema::SessionSigs => sessionsigs(),
        Schema::Recap => recap(),
        Schema::CheckReport => check_report(),
        Schema::VerifyReport => verify_report(),
    };
    // `$schema` and `$id` first, as people read them.
    let mut out = Map::new();
    out.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    out.insert(
        "$id".into(),
        Value::String(format!("{BASE_URL}{}", schema.file_name())),
    );
    if let Value::Object(m) = &mut v {
        for (k, val) in std::mem::take(m) {
            out.insert(k, val);
        }
    }
    Value::Object(out)
}

/// The text of a schema file: pretty JSON and a final newline.
pub fn render(schema: Schema) -> String {
    let mut s = serde_json::to_string_pretty(&generate(schema)).unwrap_or_default();
    s.push('\n');
    s
}

fn ability_description(a: Ability) -> String {
    format!(
        "`{}` on a `{}://` resource (ReCap `{}`).",
        a.as_str(),
        a.resource_prefix().as_str(),
        a.recap_ability()
    )
}

fn capability_entry(with_where: bool) -> Value {
    let mut props = Map::new();
    for a in Ability::ALL {
        props.insert(
            a.as_str().into(),
            json!({ "$ref": "#/$defs/resource", "description": ability_description(a) }),
        );
    }
    if with_where {
        props.insert("where".into(), json!({ "$ref": "#/$defs/where" }));
    }
    let mut one_of: Vec<Value> = Ability::ALL
        .iter()
        .map(|a| json!({ "required": [a.as_str()] }))
        .collect();
    // `network "erc5573"`: any ERC-5573 ability `namespace/name` as the key.
    // The branch needs one key besides `where` (an entry of `where` alone names no ability) and
    // at most one ability.
    one_of.push(json!({
        "allOf": [
            { "not": { "anyOf": Ability::ALL.iter().map(|a| json!({ "required": [a.as_str()] })).collect::<Vec<_>>() } },
            { "not": { "propertyNames": { "const": "where" } } },
            { "if": { "required": ["where"] }, "then": { "maxProperties": 2 }, "else": { "maxProperties": 1 } }
        ]
    }));
    let mut entry = json!({
        "type": "object",
        "properties": props,
        "patternProperties": {
            ERC5573_ABILITY_PATTERN: {
                "$ref": "#/$defs/resource",
                "description": "With `network: erc5573`: an ERC-5573 ability `namespace/name` on any URI."
            }
        },
        "additionalProperties": false,
        "minProperties": 1,
        "oneOf": one_of,
    });
    if with_where {
        // Exactly one ability key besides `where`, whichever vocabulary it is from: the Lit
        // branches of `oneOf` only require their own key, so without this an entry mixing a
        // Lit and an ERC-5573 ability (`{pkp-signing: …, crud/read: …}`) matched one branch.
        entry["if"] = json!({ "required": ["where"] });
        entry["then"] = json!({ "maxProperties": 2 });
        entry["else"] = json!({ "maxProperties": 1 });
        entry["description"] = json!("One capability the grant gives: `<ability>: <resource>`, with optional `where` (nota-bene) data. Written `allow <ability> on \"<resource>\" where { ... }` in the DSL.");
        entry["examples"] = json!([
            { "pkp-signing": "lit-pkp://*" },
            { "rate-limit-increase-auth": "lit-ratelimitincrease://24529", "where": { "uses": "200" } }
        ]);
    } else {
        entry["description"] = json!("One capability the session requests: `<ability>: <resource>`. Written `request <ability> on \"<resource>\"` in the DSL.");
        entry["maxProperties"] = json!(1);
        entry["examples"] = json!([{ "pkp-signing": "lit-pkp://*" }]);
    }
    entry
}

/// An ERC-5573 ability key (`namespace/name`; the model checks the characters).
const ERC5573_ABILITY_PATTERN: &str = "^[^/\\s]+/[^/\\s]+$";

fn policy() -> Value {
    json!({
        "title": "litcap policy (YAML/JSON form)",
        "description": "A litcap policy as YAML (`*.litcap.yaml`) or JSON (`*.litcap.json`): a list of `grant` and `session` blocks (and at most one `network` block), in file order, meaning exactly what the same blocks mean in the litcap language (`*.litcap`). See docs/yaml.md.",
        "type": "array",
        "items": { "$ref": "#/$defs/block" },
        "$defs": {
            "block": {
                "description": "A `grant` block (starts with `grant: <name>`), a `session` block (starts with `session: <name>`), or the file's `network` (`network: erc5573`).",
                "type": "object",
                "if": { "required": ["session"] },
                "then": { "$ref": "#/$defs/session" },
                "else": {
                    "if": { "required": ["network"] },
                    "then": { "$ref": "#/$defs/network" },
                    "else": { "$ref": "#/$defs/grant" }
                }
            },
            "network": {
                "description": "The network the file is written for (`network \"<name>\"` in the DSL): `datil` (default), `naga`, or `erc5573` (plain SIWE ReCaps: any `namespace/name` ability on any URI).",
                "type": "object",
                "required": ["network"],
                "additionalProperties": false,
                "properties": {
                    "network": { "enum": ["datil", "naga", "erc5573"] }
                }
            },
            "grant": {
                "description": "What a wallet lets a session key do: the AuthSig's SIWE fields and its ReCap.",
                "type": "object",
                "required": ["grant"],
                "additionalProperties": false,
                "properties": {
                    "grant": { "$ref": "#/$defs/name", "description": "The grant's name; sessions name it in `from`." },
                    "domain": { "type": "string", "description": "The SIWE domain the wallet shows: an RFC 3986 authority such as `app.example.com` or `localhost:3000`.", "examples": ["app.example.com"] },
                    "statement": { "type": "string", "description": "The SIWE statement (one line); the ReCap's own statement is appended to it." },
                    "chain-id": { "type": "integer", "minimum": 1, "maximum": MAX_SAFE_CHAIN_ID, "description": "The EIP-155 chain id of the SIWE message (default 1).", "examples": [1, 175188] },
                    "max-ttl": { "$ref": "#/$defs/duration", "description": "The longest AuthSig lifetime allowed for this grant (default and upper limit: 30d)." },
                    "signer": {
                        "type": "object",
                        "description": "Who signs the grant's AuthSig when it is not a wallet: `pkp` names the PKP (its Ethereum address) a PKP or Lit Action session's network-signed (`lit.bls`) AuthSig must come from. Written `signer pkp \"0x...\"` in the DSL.",
                        "minProperties": 1,
                        "maxProperties": 1,
                        "additionalProperties": false,
                        "properties": {
                            "pkp": { "type": "string", "description": "The PKP's Ethereum address (`0x` and 40 hex digits, EIP-55 checksummed when mixed case).", "examples": ["0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"] }
                        }
                    },
                    "auth-action": {
                        "type": "array",
                        "description": "The Lit Actions (IPFS CIDs) allowed to authorize the PKP session (`actionIpfsIds` of its auth context). Written `auth-action \"<CID>\"` in the DSL, one line each.",
                        "items": { "type": "string", "examples": ["QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA"] }
                    },
                    "allow": {
                        "type": "array",
                        "description": "The capabilities the grant gives, in order (the order of the ReCap merge).",
                        "items": { "$ref": "#/$defs/allow" }
                    }
                }
            },
            "session": {
                "description": "A named session: the capabilities one session key requests under one grant.",
                "type": "object",
                "required": ["session", "from"],
                "additionalProperties": false,
                "properties": {
                    "session": { "$ref": "#/$defs/name", "description": "The session's name (`litcap compile --session <name>`)." },
                    "from": { "$ref": "#/$defs/name", "description": "The grant this session's requests come from." },
                    "ttl": { "$ref": "#/$defs/duration", "description": "How long the session's signatures live (default 24h; at most the grant's `max-ttl`)." },
                    "request": {
                        "type": "array",
                        "description": "The capabilities the session requests (its `resourceAbilityRequests`).",
                        "items": { "$ref": "#/$defs/request" }
                    }
                }
            },
            "allow": capability_entry(true),
            "request": capability_entry(false),
            "name": { "type": "string" },
            "resource": {
                "type": "string",
                "description": "A Lit resource: `<prefix>://<id>`, or `<prefix>://*` for every resource of the type; with `network: erc5573`, any URI.",
                "examples": ["lit-pkp://*", "lit-litaction://QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3"]
            },
            "where": {
                "type": "object",
                "description": "Nota-bene data: a JSON object the ReCap carries with this capability (e.g. `delegate_to`, `nft_id`, `uses` for capacity delegations)."
            },
            "duration": {
                "type": "string",
                "pattern": DURATION_PATTERN,
                "description": "A duration: numbers with units `d`, `h`, `m`, `s`, e.g. `15m`, `24h`, `1h30m`.",
                "examples": ["15m", "1h", "24h", "7d"]
            }
        }
    })
}

fn authsig_properties(session: bool) -> Value {
    let mut derived_via = json!({
        "type": "string",
        "description": "How the signature was made.",
    });
    let mut algo = json!({ "type": "string", "description": "The signature algorithm; absent for EOA (EIP-191) AuthSigs." });
    if session {
        derived_via["const"] = json!(DERIVED_VIA_SESSION);
        algo["const"] = json!("ed25519");
    } else {
        derived_via["examples"] = json!([DERIVED_VIA_PERSONAL_SIGN, DERIVED_VIA_SESSION]);
    }
    json!({
        "sig": { "type": "string", "description": if session { "The ed25519 signature of `signedMessage` by the session key (hex)." } else { "The signature of `signedMessage` (hex, `0x`-prefixed for EIP-191)." } },
        "derivedVia": derived_via,
        "signedMessage": { "type": "string", "description": if session { "The JSON payload the session key signed: `sessionKey`, `resourceAbilityRequests`, `capabilities`, `issuedAt`, `expiration`, `nodeAddress`." } else { "The signed SIWE (EIP-4361) message, with the ReCap as its last resource." } },
        "address": { "type": "string", "description": if session { "The session public key (hex)." } else { "The signer's address (EIP-55 checksummed for wallets)." } },
        "algo": algo,
    })
}

fn authsig() -> Value {
    json!({
        "title": "AuthSig",
        "description": "A Lit AuthSig (`generateAuthSig`): a signed SIWE message. Other keys are kept as they are (litcap re-serialises AuthSigs in their own key order).",
        "type": "object",
        "required": ["sig", "derivedVia", "signedMessage", "address"],
        "properties": authsig_properties(false),
    })
}

fn sessionsigs() -> Value {
    json!({
        "title": "SessionSigs",
        "description": "The SessionSigs map `getSessionSigs` returns: one session signature per Lit node URL.",
        "type": "object",
        "minProperties": 1,
        "propertyNames": { "pattern": "^https?://", "description": "The node's URL." },
        "additionalProperties": { "$ref": "#/$defs/sessionSig" },
        "$defs": {
            "sessionSig": {
                "type": "object",
                "description": "One node's session signature.",
                "required": ["sig", "derivedVia", "signedMessage", "address", "algo"],
                "properties": authsig_properties(true),
            }
        }
    })
}

fn recap() -> Value {
    json!({
        "title": "ReCap",
        "description": "The ReCap details object (EIP-5573, siwe-recap) carried base64url-encoded in a `urn:recap:` SIWE resource.",
        "type": "object",
        "required": ["att", "prf"],
        "properties": {
            "att": {
                "type": "object",
                "description": "Attenuations: resource URI → ability → list of nota-bene objects.",
                "additionalProperties": {
                    "type": "object",
                    "propertyNames": { "pattern": "^[a-zA-Z0-9.*_+-]+/[a-zA-Z0-9.*_+-]+$", "description": "`<namespace>/<name>`, e.g. `Threshold/Signing`." },
                    "additionalProperties": {
                        "type": "array",
                        "items": { "type": "object" },
                        "description": "Nota-bene objects; `[{}]` when there are no restrictions."
                    }
                }
            },
            "prf": {
                "type": "array",
                "description": "Proofs: CIDs of delegations this one builds on.",
                "items": { "type": "string", "pattern": "^(z[1-9A-HJ-NP-Za-km-z]{2,}|Qm[1-9A-HJ-NP-Za-km-z]+)$" }
            }
        }
    })
}

fn nullable(t: &str) -> Value {
    json!({ "type": [t, "null"] })
}

fn position() -> Value {
    json!({ "type": ["integer", "null"], "minimum": 1 })
}

fn check_report() -> Value {
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let severities: Vec<&str> = [Severity::Error, Severity::Warning, Severity::Note]
        .iter()
        .map(|s| s.as_str())
        .collect();
    let abilities: Vec<&str> = Ability::ALL.iter().map(|a| a.as_str()).collect();
    json!({
        "title": "litcap check report",
        "description": "The output of `litcap check --format json`.",
        "type": "object",
        "required": ["ok", "diagnostics", "coverage"],
        "additionalProperties": false,
        "properties": {
            "ok": { "type": "boolean", "description": "Whether the exit code is 0." },
            "diagnostics": { "type": "array", "items": { "$ref": "#/$defs/diagnostic" } },
            "coverage": { "type": "array", "items": { "$ref": "#/$defs/coverage" } }
        },
        "$defs": {
            "diagnostic": {
                "type": "object",
                "required": ["code", "severity", "message", "file", "line", "column", "help"],
                "additionalProperties": false,
                "properties": {
                    "code": { "enum": codes, "description": "The stable diagnostic code." },
                    "severity": { "enum": severities },
                    "message": { "type": "string" },
                    "file": nullable("string"),
                    "line": position(),
                    "column": position(),
                    "help": nullable("string")
                }
            },
            "coverage": {
                "type": "object",
                "required": ["session", "resource", "ability", "covered", "coveredBy"],
                "additionalProperties": false,
                "properties": {
                    "session": { "type": "string" },
                    "resource": { "type": "string", "description": "The requested resource key." },
                    "ability": {
                        "description": "A Lit ability, or with `network erc5573` an ERC-5573 `namespace/name`.",
                        "anyOf": [{ "enum": abilities }, { "type": "string", "pattern": ERC5573_ABILITY_PATTERN }]
                    },
                    "covered": { "type": "boolean" },
                    "coveredBy": { "oneOf": [{ "type": "null" }, { "$ref": "#/$defs/coveredBy" }] }
                }
            },
            "coveredBy": {
                "type": "object",
                "required": ["source", "name", "resource", "recapAbility", "file", "line", "column"],
                "additionalProperties": false,
                "properties": {
                    "source": { "enum": ["grant", "authsig"] },
                    "name": { "type": "string", "description": "The grant name, or the AuthSig file." },
                    "resource": { "type": "string", "description": "The resource key that granted it." },
                    "recapAbility": { "type": "string", "description": "The ReCap ability that granted it." },
                    "file": nullable("string"),
                    "line": position(),
                    "column": position()
                }
            }
        }
    })
}

fn verify_report() -> Value {
    let mut defs = verify_report_file_defs();
    if let (Value::Object(defs), Value::Object(more)) = (&mut defs, verify_report_node_defs()) {
        defs.extend(more);
    }
    json!({
        "title": "litcap verify report",
        "description": "The output of `litcap verify --format json`: one result per node signature, for one SessionSigs file (`nodes`) or several (`files`); a lone AuthSig file gives `authSig` instead of `nodes`.",
        "oneOf": [{ "$ref": "#/$defs/single" }, { "$ref": "#/$defs/multi" }, { "$ref": "#/$defs/lone" }],
        "$defs": defs
    })
}

/// The verify report's definitions for the input it was given: one SessionSigs file, several,
/// or a lone AuthSig (with its capability and auth context).
fn verify_report_file_defs() -> Value {
    json!({
    "lone": {
        "type": "object",
        "required": ["ok", "authSig"],
        "additionalProperties": false,
        "properties": {
            "ok": { "type": "boolean" },
            "authSig": { "$ref": "#/$defs/authSig" }
        }
    },
    "authSig": {
        "description": "A lone AuthSig file, judged as a node judges a session capability.",
        "type": "object",
        "required": ["kind", "valid", "signer", "error", "authContext"],
        "additionalProperties": false,
        "properties": {
            "kind": { "type": "string", "description": "`wallet` or `bls-network` (a PKP / Lit Action session's network-signed AuthSig), or a kind that cannot be a capability." },
            "valid": { "type": "boolean" },
            "signer": { "type": ["string", "null"], "description": "The recovered wallet, or the SIWE address of a `lit.bls` AuthSig (the PKP)." },
            "error": {
                "oneOf": [
                    { "type": "null" },
                    {
                        "type": "object",
                        "required": ["kind", "message", "help"],
                        "additionalProperties": false,
                        "properties": {
                            "kind": { "type": "string", "description": "The node's error kind (`NodeSIWEMessageError`, `NodeSIWESigConversionError`, ...) or `BlsNoNetworkKey`." },
                            "message": { "type": "string" },
                            "help": { "type": "string" }
                        }
                    }
                ]
            },
            "authContext": { "$ref": "#/$defs/authContext" }
        }
    },
    "authContext": {
        "description": "For `lit.bls`: the `auth_context` the nodes wrote (`lit-resolvedauthcontext://*` → `Auth/Auth`): `actionIpfsIds`, `authMethodContexts`, `authSigAddress`, `customAuthResource`, `resources`.",
        "type": ["object", "null"]
    },
    "capability": {
        "description": "One capability (AuthSig) of the entry's payload, decoded.",
        "type": "object",
        "required": ["kind", "address", "authContext"],
        "additionalProperties": false,
        "properties": {
            "kind": { "type": "string" },
            "address": { "type": "string", "description": "The AuthSig's `address` (for `lit.bls`: the PKP's Ethereum address)." },
            "authContext": { "$ref": "#/$defs/authContext" }
        }
    },
    "single": {
        "type": "object",
        "required": ["ok", "nodes"],
        "additionalProperties": false,
        "properties": {
            "ok": { "type": "boolean" },
            "nodes": { "type": "array", "items": { "$ref": "#/$defs/node" } }
        }
    },
    "multi": {
        "type": "object",
        "required": ["ok", "files"],
        "additionalProperties": false,
        "properties": {
            "ok": { "type": "boolean" },
            "files": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["file", "ok"],
                    "additionalProperties": false,
                    "properties": {
                        "file": { "type": "string" },
                        "ok": { "type": "boolean" },
                        "authSig": { "$ref": "#/$defs/authSig" },
                        "nodes": { "type": "array", "items": { "$ref": "#/$defs/node" } },
                        "error": {
                            "description": "Why the file could not be read as a SessionSigs map (then `nodes` is empty).",
                            "type": "object",
                            "required": ["kind", "message"],
                            "additionalProperties": false,
                            "properties": {
                                "kind": { "type": "string" },
                                "message": { "type": "string" },
                                "line": { "type": "integer", "minimum": 1 },
                                "column": { "type": "integer", "minimum": 1 }
                            }
                        }
                    }
                }
            }
        }
    }
    })
}

/// The verify report's definitions for one node's verdict: the node, a request, a node error.
fn verify_report_node_defs() -> Value {
    json!({
    "node": {
        "type": "object",
        "required": ["node", "valid", "error"],
        "additionalProperties": false,
        "properties": {
            "node": { "type": "string", "description": "The node URL (the SessionSigs key)." },
            "valid": { "type": "boolean" },
            "checkedAs": { "type": "string", "description": "The node identity (`host:port`) the entry was checked as." },
            "capabilities": { "type": "array", "items": { "$ref": "#/$defs/capability" } },
            "error": { "oneOf": [{ "type": "null" }, { "$ref": "#/$defs/nodeError" }] },
            "operations": {
                "description": "With `--request`: each operation as this node judges it, in order.",
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["operation", "ability", "resource", "valid", "error"],
                    "additionalProperties": false,
                    "properties": {
                        "operation": { "type": "string", "description": "As given to `--request`." },
                        "ability": { "type": "string" },
                        "resource": { "type": "string", "description": "The resource key, its id as the node derives it (a PKP: 64 lowercase hex digits)." },
                        "valid": { "type": "boolean" },
                        "error": { "oneOf": [{ "type": "null" }, { "$ref": "#/$defs/nodeError" }] }
                    }
                }
            },
            "notes": {
                "description": "Without `--request`: findings about listed requests that are not refusals.",
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["kind", "message", "request"],
                    "additionalProperties": false,
                    "properties": {
                        "kind": { "enum": ["partial-wildcard", "ability-not-judged"] },
                        "message": { "type": "string" },
                        "request": { "$ref": "#/$defs/request" },
                        "covers": {
                            "description": "For `partial-wildcard`: the resource keys the capabilities cover.",
                            "type": "array",
                            "items": { "type": "string" }
                        }
                    }
                }
            }
        }
    },
    "request": {
        "description": "A `resourceAbilityRequests` entry, as written.",
        "type": "object",
        "required": ["index", "resourcePrefix", "resource", "ability"],
        "additionalProperties": false,
        "properties": {
            "index": { "type": "integer", "minimum": 0 },
            "resourcePrefix": { "type": "string" },
            "resource": { "type": "string" },
            "ability": { "type": "string" }
        }
    },
    "nodeError": {
        "type": "object",
        "required": ["kind", "message"],
        "additionalProperties": false,
        "properties": {
            "kind": { "type": "string", "description": "The node's error kind, e.g. `NodeResourceIdNotFound`." },
            "message": { "type": "string" },
            "help": { "type": "string" },
            "inner": {
                "description": "The reason the node wraps (e.g. `NodeSIWECapabilityInvalid` inside `NodeResourceIdNotFound`).",
                "type": "object",
                "required": ["kind", "message"],
                "additionalProperties": false,
                "properties": { "kind": { "type": "string" }, "message": { "type": "string" } }
            },
            "request": {
                "description": "The first `resourceAbilityRequests` entry that failed.",
                "$ref": "#/$defs/request"
            },
            "failingRequests": { "type": "integer", "minimum": 0 },
            "capabilities": {
                "description": "Why each capability AuthSig was not valid for the request.",
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["index", "kind", "message"],
                    "additionalProperties": false,
                    "properties": {
                        "index": { "type": "integer", "minimum": 0 },
                        "kind": { "type": "string" },
                        "message": { "type": "string" }
                    }
                }
            }
        }
    }
    })
}
