//! Which profile a policy is written for: the optional file-level `network "<name>"`
//! statement, the same in every file given together, else the caller's choice (the
//! command's `--network`), else Datil.
//!
//! Rules (issue #11): a name that is no profile is `unknown-network`; two files naming
//! different networks is `network-mismatch` (the first file's network is used). A `--network`
//! flag that contradicts the files is a usage error, decided by the command
//! ([`declared`] tells it what the files say).

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::profile::{self, Profile};
use crate::syntax::ast::{PolicyFile, Spanned};

/// The first `network` statement of the files, if any.
pub fn declared(files: &[PolicyFile]) -> Option<&Spanned<String>> {
    files.iter().find_map(|f| f.network.as_ref())
}

/// The profile the files are built for, with the diagnostics of their `network` statements.
pub fn choose(
    files: &[PolicyFile],
    requested: Option<&'static Profile>,
    diags: &mut Diagnostics,
) -> &'static Profile {
    choose_among(
        files.iter().filter_map(|f| f.network.as_ref()),
        requested,
        diags,
    )
}

/// [`choose`] from the files' `network` statements, in file order.
pub fn choose_among<'a>(
    networks: impl IntoIterator<Item = &'a Spanned<String>>,
    requested: Option<&'static Profile>,
    diags: &mut Diagnostics,
) -> &'static Profile {
    let mut chosen: Option<(&'static Profile, &Spanned<String>)> = None;
    for n in networks {
        let Some(p) = Profile::named(&n.value) else {
            diags.push(unknown(n));
            continue;
        };
        match chosen {
            None => chosen = Some((p, n)),
            Some((first, first_span)) if first.name != p.name => diags.push(
                Diagnostic::new(
                    Code::NetworkMismatch,
                    format!(
                        "this file is for network `{}`, another file given with it for `{}`",
                        p.name, first.name
                    ),
                )
                .at(n.span, "another network")
                .related(first_span.span, "first named here")
                .help("files checked together describe one network: check them separately, or make their `network` lines agree"),
            ),
            Some(_) => {}
        }
    }
    chosen
        .map(|(p, _)| p)
        .or(requested)
        .unwrap_or(&profile::DATIL)
}

fn unknown(n: &Spanned<String>) -> Diagnostic {
    let names = profile::PROFILES.iter().map(|p| p.name);
    let help = match crate::suggest::closest(&n.value, names) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("the networks are {}", profile::names()),
    };
    Diagnostic::new(
        Code::UnknownNetwork,
        format!("unknown network `{}`", n.value),
    )
    .at(n.span, "no such network")
    .help(help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;

    fn file(id: usize, network: Option<&str>) -> PolicyFile {
        PolicyFile {
            file: id,
            network: network.map(|n| Spanned::new(n.to_string(), Span::default())),
            ..PolicyFile::default()
        }
    }

    #[test]
    fn the_files_decide_then_the_caller_then_datil() {
        let mut d = Diagnostics::new();
        assert_eq!(choose(&[file(0, None)], None, &mut d).name, "datil");
        assert_eq!(
            choose(&[file(0, None)], Some(&profile::NAGA), &mut d).name,
            "naga"
        );
        assert_eq!(
            choose(&[file(0, None), file(1, Some("erc5573"))], None, &mut d).name,
            "erc5573"
        );
        assert!(d.is_empty());
    }

    #[test]
    fn unknown_and_disagreeing_networks() {
        let mut d = Diagnostics::new();
        choose(&[file(0, Some("nagaa"))], None, &mut d);
        assert_eq!(d.0[0].code, Code::UnknownNetwork);
        assert_eq!(d.0[0].help.as_deref(), Some("did you mean `naga`?"));
        let mut d = Diagnostics::new();
        let p = choose(
            &[file(0, Some("naga")), file(1, Some("datil"))],
            None,
            &mut d,
        );
        assert_eq!((p.name, d.0[0].code), ("naga", Code::NetworkMismatch));
    }
}
