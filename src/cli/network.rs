//! `--network NAME`: which profile (`litcap::profile`) a command compiles, signs, verifies or
//! checks for. `datil` (SDK v7) is the default, so every command's output without the flag is
//! what it was before profiles existed. A policy file may name its network itself
//! (`network "erc5573"`); commands that load policies take the file's network, and a flag
//! that contradicts it is a usage error ([`for_policy`]).

use litcap::internal::profile::{Profile, DATIL, ERC5573, NAGA};

/// The networks litcap speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Network {
    /// The Lit JS SDK v7 and the Datil nodes.
    #[default]
    Datil,
    /// The Lit JS SDK v8 and the Naga nodes.
    Naga,
    /// Plain ERC-5573 (SIWE with a ReCap) for any relying party, as siwe-recap 0.2 writes it.
    Erc5573,
}

impl Network {
    pub fn profile(self) -> &'static Profile {
        match self {
            Network::Datil => &DATIL,
            Network::Naga => &NAGA,
            Network::Erc5573 => &ERC5573,
        }
    }
}

/// `--network`, the clap group of every command that compiles, signs, verifies or checks.
/// Optional: a policy file's `network` line decides when there is no flag (see [`resolve`]).
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct NetworkArg {
    /// The network whose SDK and nodes to follow: `datil` (SDK v7, the default), `naga` (SDK
    /// v8: the `maxPrice` payload, payment delegation, the v8 SIWE defaults and key store, the
    /// Naga nodes' rules, which refuse Datil-only capabilities) or `erc5573` (plain SIWE with a
    /// ReCap, for any relying party). A policy's `network` line sets it too.
    #[arg(long, value_enum)]
    pub network: Option<Network>,
}

/// The profile of a loaded policy, checked against `--network`: the files' `network` line
/// decides, the flag fills in when they have none, and a flag that names another network
/// than the files is a usage error (exit 2).
pub fn for_policy(
    flag: Option<Network>,
    policy: &litcap::internal::model::Policy,
) -> Result<&'static Profile, u8> {
    let chosen = policy.profile();
    match flag {
        Some(f) if f.profile().name != chosen.name => Err(super::common::usage_error_help(
            format!(
                "`--network {}` contradicts `network \"{}\"` in the policy",
                f.profile().name,
                chosen.name
            ),
            "a policy file names the network it is written for; drop `--network`, or change the file's `network` line",
        )),
        _ => Ok(chosen),
    }
}

/// The network of a command that reads policy files but builds its own requests (`authsig`,
/// `sign`, `verify --policy`, `delegate FILE --grant`): the files' `network` line, else the
/// flag, else Datil; a flag that contradicts the files is a usage error (exit 2). Files that
/// cannot be read say nothing here: the command reports them when it loads them.
pub fn resolve(flag: Option<Network>, files: &[std::path::PathBuf]) -> Result<Network, u8> {
    let declared = if files.is_empty() {
        None
    } else {
        litcap::internal::load::load_paths(&super::common::policy_paths(files))
            .ok()
            .and_then(|l| {
                litcap::internal::model::network::declared(&l.files)
                    .and_then(|n| Profile::named(&n.value))
                    .map(|p| p.name)
            })
            .and_then(|name| {
                [Network::Datil, Network::Naga, Network::Erc5573]
                    .into_iter()
                    .find(|n| n.profile().name == name)
            })
    };
    match (flag, declared) {
        (Some(f), Some(d)) if f != d => Err(super::common::usage_error_help(
            format!(
                "`--network {}` contradicts `network \"{}\"` in the policy",
                f.profile().name,
                d.profile().name
            ),
            "a policy file names the network it is written for; drop `--network`, or change the file's `network` line",
        )),
        (Some(f), _) => Ok(f),
        (None, Some(d)) => Ok(d),
        (None, None) => Ok(Network::Datil),
    }
}

/// A command that speaks only the Lit networks refuses `erc5573` (exit 2).
pub fn lit_only(network: Network, command: &str) -> Result<(), u8> {
    if network == Network::Erc5573 {
        return Err(super::common::usage_error_help(
            format!("`litcap {command}` speaks the Lit networks only, not `erc5573`"),
            "for a plain ERC-5573 relying party use `litcap compile` (the SIWE message and its ReCap) and `litcap check --authsig` (verify a signed one against the policy)",
        ));
    }
    Ok(())
}

impl NetworkArg {
    /// The network to follow once [`resolve`] has filled in the policy's `network` line:
    /// Datil when neither names one.
    pub fn get(self) -> Network {
        self.network.unwrap_or_default()
    }
}
