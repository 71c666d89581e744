//! The answers to hover, completion, go-to-definition and formatting requests.

use super::*;

/// The DSL's keywords, for completion.
pub const KEYWORDS: &[(&str, &str)] = &[
    (
        "grant",
        "grant \"<name>\" { ... }: what the wallet signs (the AuthSig's SIWE fields and ReCap)",
    ),
    (
        "session",
        "session \"<name>\" from \"<grant>\" { ... }: what one session key asks for",
    ),
    (
        "network",
        "network \"datil\" | \"naga\" | \"erc5573\": the network the file is written for (at the top; default datil)",
    ),
    ("from", "the grant a session's requests must be covered by"),
    (
        "domain",
        "SIWE domain the wallet shows (required in a grant)",
    ),
    ("statement", "SIWE statement prefix shown to the user"),
    ("chain-id", "SIWE chain id (default 1)"),
    (
        "max-ttl",
        "longest AuthSig lifetime (default and maximum: 30d)",
    ),
    (
        "allow",
        "allow <ability> on \"<resource>\" [where { ... }]: a capability of the grant",
    ),
    (
        "request",
        "request <ability> on \"<resource>\": a capability the session asks for",
    ),
    ("on", "the resource of a capability"),
    (
        "where",
        "ReCap nota-bene data (the nodes read it only on rate-limit-increase-auth)",
    ),
    ("ttl", "session signature lifetime (default 24h)"),
    (
        "signer",
        "signer pkp \"0x<eth address>\": the grant's AuthSig is a PKP / Lit Action session's, signed by the Lit network (lit.bls) for this PKP",
    ),
    (
        "auth-action",
        "auth-action \"<IPFS CID>\": a Lit Action allowed to authorize the PKP session (one line each)",
    ),
];

/// Hover text of the signer keywords (`signer`, `pkp`, `auth-action`).
fn signer_keyword_doc(word: &str) -> Option<String> {
    Some(match word {
        "signer" | "pkp" => "**`signer pkp \"0x<eth address>\"`**\n\nThe grant's AuthSig is not a wallet's: the Lit network signs it (`derivedVia: lit.bls`) for this PKP, as `getPkpSessionSigs` / `getLitActionSessionSigs` return it. `check --authsig` and `verify --policy` prove it comes from this PKP (`pkp-mismatch`), and reject a wallet's AuthSig (`signer-not-pkp`).".to_string(),
        "auth-action" => "**`auth-action \"<IPFS CID>\"`**\n\nA Lit Action allowed to authorize the PKP session: every CID in the AuthSig's auth context (`actionIpfsIds`) must be listed (`auth-action-not-allowed`). `compile` gives it as `getLitActionSessionSigs`' `litActionIpfsId`.".to_string(),
        _ => return None,
    })
}

impl Server {
    // ------------------------------------------------------------------ requests --

    pub(super) fn hover(&self, params: &Value) -> Result<Value, RpcError> {
        let uri = uri_param(params)?;
        let (line, character) = position_param(params)?;
        let doc = self.doc(&uri)?;
        let at = text::offset(&doc.text, line, character);
        let Some((start, end)) = word_at(&doc.text, at) else {
            return Ok(Value::Null);
        };
        let word = &doc.text[start..end];
        let markdown = if let Some(a) = Ability::parse(word) {
            ability_doc(a)
        } else if let Some(p) = ResourcePrefix::parse(word) {
            prefix_doc(p)
        } else if let Some(doc) = signer_keyword_doc(word) {
            doc
        } else {
            return Ok(Value::Null);
        };
        Ok(json!({
            "contents": {"kind": "markdown", "value": markdown},
            "range": text::range(&doc.text, start, end),
        }))
    }

    pub(super) fn completion(&mut self, params: &Value) -> Result<Value, RpcError> {
        let uri = uri_param(params)?;
        let (line, character) = position_param(params)?;
        let (before, format, erc5573) = {
            let doc = self.doc(&uri)?;
            let at = text::offset(&doc.text, line, character);
            let (line_start, _) = text::line_span(&doc.text, at);
            let network = parse_doc(&doc.text, doc.format).network;
            let erc5573 = network.is_some_and(|n| n.value == crate::profile::ERC5573.name);
            (doc.text[line_start..at].to_string(), doc.format, erc5573)
        };
        let trimmed =
            before.trim_end_matches(|c: char| c.is_alphanumeric() || c == '-' || c == '_');
        let in_quote = trimmed.ends_with('"');
        let head = trimmed.trim_end_matches('"').trim_end();
        let quote = |s: &str| {
            if in_quote {
                s.to_string()
            } else {
                format!("\"{s}\"")
            }
        };
        let mut items = Vec::new();
        if format == PolicyFormat::Dsl && !in_quote && head.ends_with("signer") {
            items.push(json!({"label": "pkp", "kind": 14,
                "detail": "the Lit network signs the AuthSig for this PKP (lit.bls)",
                "insertText": "pkp \"0x\""}));
        } else if head.ends_with("from") || head.ends_with("from:") {
            for g in self.grant_names_known() {
                items.push(
                    json!({"label": g, "kind": 18, "detail": "grant", "insertText": quote(&g)}),
                );
            }
        } else if erc5573 {
            // A plain ERC-5573 file: no Lit vocabulary; the abilities (or, after `on`, the
            // resources) already used in the open files and the workspace.
            let on = head.ends_with(" on") || head.ends_with("resource:");
            for (label, detail) in self.erc5573_words_known(on) {
                items.push(json!({"label": label, "kind": if on { 12 } else { 20 },
                    "detail": detail, "insertText": quote(&label)}));
            }
            if !on && format == PolicyFormat::Dsl && !in_quote {
                for (k, doc) in KEYWORDS {
                    items.push(json!({"label": k, "kind": 14, "detail": doc}));
                }
            }
        } else if head.ends_with(" on") || head.ends_with("resource:") {
            for p in ResourcePrefix::ALL {
                let label = format!("{}://", p.as_str());
                items.push(
                    json!({"label": label, "kind": 12, "detail": p.id_description(),
                    "insertText": if in_quote { label.clone() } else { format!("\"{label}") }}),
                );
            }
        } else {
            for a in Ability::ALL {
                items.push(json!({"label": a.as_str(), "kind": 20,
                    "detail": format!("{} on {}://", a.recap_ability(), a.resource_prefix())}));
            }
            if format == PolicyFormat::Dsl && !in_quote {
                for (k, doc) in KEYWORDS {
                    items.push(json!({"label": k, "kind": 14, "detail": doc}));
                }
            }
        }
        Ok(json!({"isIncomplete": false, "items": items}))
    }

    /// ERC-5573 abilities used in the open files and the workspace (with a resource they
    /// are used on), or with `resources` the resources (with an ability used on them).
    pub(super) fn erc5573_words_known(&mut self, resources: bool) -> Vec<(String, String)> {
        let mut caps: Vec<(String, String)> = self
            .docs
            .values()
            .flat_map(|d| {
                let mut caps = erc5573_capabilities(&parse_doc(&d.text, d.format));
                caps.extend(erc5573_capabilities_typed(&d.text));
                caps
            })
            .collect();
        if !self.roots.is_empty() {
            self.refresh_index();
            caps.extend(
                self.index
                    .values()
                    .flat_map(|f| f.capabilities.iter().cloned()),
            );
        }
        let mut words: Vec<(String, String)> = caps
            .into_iter()
            .map(|(ability, resource)| {
                if resources {
                    (
                        resource,
                        format!("ERC-5573 resource (used with `{ability}`)"),
                    )
                } else {
                    (ability, format!("ERC-5573 ability (used on `{resource}`)"))
                }
            })
            .collect();
        words.sort();
        words.dedup_by(|a, b| a.0 == b.0);
        words
    }

    pub(super) fn grant_names_known(&mut self) -> Vec<String> {
        let mut names: Vec<String> = self
            .docs
            .values()
            .flat_map(|d| {
                grant_names(&parse_doc(&d.text, d.format))
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        if !self.roots.is_empty() {
            self.refresh_index();
            names.extend(self.index.values().flat_map(|f| f.grants.iter().cloned()));
        }
        names.sort();
        names.dedup();
        names
    }

    pub(super) fn definition(&mut self, params: &Value) -> Result<Value, RpcError> {
        let uri = uri_param(params)?;
        let (line, character) = position_param(params)?;
        let grant = {
            let doc = self.doc(&uri)?;
            let at = text::offset(&doc.text, line, character);
            let file = parse_doc(&doc.text, doc.format);
            let found = file.items.iter().find_map(|i| match i {
                Item::Session(s) if s.from.span.start <= at && at <= s.from.span.end => {
                    Some(s.from.value.clone())
                }
                _ => None,
            });
            match found {
                Some(g) => g,
                None => return Ok(Value::Null),
            }
        };
        for (u, d) in &self.docs {
            if let Some(span) = grant_span(&parse_doc(&d.text, d.format), &grant) {
                return Ok(json!({"uri": u, "range": text::range(&d.text, span.0, span.1)}));
            }
        }
        if self.roots.is_empty() {
            return Ok(Value::Null);
        }
        self.refresh_index();
        let Some(path) = self.workspace_file_defining(&grant) else {
            return Ok(Value::Null);
        };
        let Some(text) = read_text(&path) else {
            return Ok(Value::Null);
        };
        match grant_span(&parse_doc(&text, PolicyFormat::from_path(&path)), &grant) {
            Some((s, e)) => {
                Ok(json!({"uri": path_to_uri(&path), "range": text::range(&text, s, e)}))
            }
            None => Ok(Value::Null),
        }
    }

    pub(super) fn formatting(&self, params: &Value) -> Result<Value, RpcError> {
        let uri = uri_param(params)?;
        let doc = self.doc(&uri)?;
        if doc.format != PolicyFormat::Dsl {
            return Ok(Value::Null);
        }
        let (file, diags) = crate::syntax::parse(0, &doc.text);
        if diags.has_errors() {
            return Ok(Value::Null);
        }
        let formatted = crate::syntax::format::format(&file, &doc.text);
        if formatted == doc.text {
            return Ok(json!([]));
        }
        Ok(json!([{"range": text::whole(&doc.text), "newText": formatted}]))
    }
}

/// The word (letters, digits, `-`, `_`) around a byte offset.
pub(super) fn word_at(text: &str, at: usize) -> Option<(usize, usize)> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let at = at.min(text.len());
    if !text.is_char_boundary(at) {
        return None;
    }
    let start = text[..at]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map(|(i, _)| i)
        .unwrap_or(at);
    let end = text[at..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map(|(i, _)| at + i)
        .unwrap_or(text.len());
    (start < end).then_some((start, end))
}

/// What a request with this ability is and what the nodes check for it.
pub(super) fn ability_action(a: Ability) -> &'static str {
    match a {
        Ability::AccessControlConditionDecryption => {
            "a request for decryption shares of data encrypted under access-control conditions"
        }
        Ability::AccessControlConditionSigning => {
            "a request for signature shares gated by access-control conditions (e.g. a signed JWT)"
        }
        Ability::PkpSigning => "a request to sign with a PKP (`pkpSign`, or signing inside a Lit Action)",
        Ability::RateLimitIncreaseAuth => {
            "a request paid with capacity credits delegated to the session's wallet (the only ability whose `where` data the nodes read)"
        }
        Ability::LitActionExecution => "the execution of a Lit Action (`executeJs`) with that IPFS CID",
        Ability::PaymentDelegation => {
            "a request paid by a payment delegation (Naga: the delegator pays up to the delegation's `max_price`)"
        }
        Ability::Recap(_) => {
            "an ERC-5573 capability: the relying party looks up this exact URI and `namespace/name` in the last recap"
        }
    }
}

/// Hover text of an ability: from the library's tables.
pub fn ability_doc(a: Ability) -> String {
    let p = a.resource_prefix();
    format!(
        "**`{a}`** (Lit ability)\n\n\
         | | |\n|---|---|\n\
         | ReCap ability | `{recap}` |\n\
         | resource prefix | `{p}://` |\n\
         | resource id | {id} |\n\n\
         **What the nodes check.** For {action}: the resource must be in the session's signed \
         `resourceAbilityRequests`, and a capability AuthSig's ReCap must grant `{recap}` (or `*/*`) \
         on `{p}://*` or, only when that wildcard key is absent, on `{p}://<id>`.",
        recap = a.recap_ability(),
        id = p.id_description(),
        action = ability_action(a),
    )
}

/// Hover text of a resource prefix.
pub fn prefix_doc(p: ResourcePrefix) -> String {
    let abilities: Vec<String> = p
        .abilities()
        .map(|a| format!("`{a}` (`{}`)", a.recap_ability()))
        .collect();
    format!(
        "**`{p}://`** (Lit resource prefix)\n\nid: {}\n\nabilities: {}\n\n`{p}://*` is every resource of this type.",
        p.id_description(),
        abilities.join(", ")
    )
}
