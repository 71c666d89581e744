//! `--network NAME`: which profile (`litcap::profile`) a command compiles, signs, verifies or
//! checks for. `datil` (SDK v7) is the default, so every command's output without the flag is
//! what it was before profiles existed.

use litcap::{Profile, DATIL, NAGA};

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
