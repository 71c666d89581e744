//! `--network NAME`: which profile (`litcap::profile`) a command compiles, signs, verifies or
//! checks for. `datil` (SDK v7) is the default, so every command's output without the flag is
//! what it was before profiles existed.

use litcap::profile::{Profile, DATIL, NAGA};

/// The networks litcap speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Network {
    /// The Lit JS SDK v7 and the Datil nodes.
    #[default]
    Datil,
    /// The Lit JS SDK v8 and the Naga nodes.
    Naga,
}

impl Network {
    pub fn profile(self) -> &'static Profile {
        match self {
            Network::Datil => &DATIL,
            Network::Naga => &NAGA,
        }
    }
}

/// `--network`, the clap group of every command that compiles, signs, verifies or checks.
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct NetworkArg {
    /// The network whose SDK and nodes to follow: `datil` (SDK v7) or `naga` (SDK v8: the
    /// `maxPrice` payload, payment delegation, the v8 SIWE defaults and key store, the Naga
    /// nodes' rules, which refuse Datil-only capabilities).
    #[arg(long, value_enum, default_value = "datil")]
    pub network: Network,
}
