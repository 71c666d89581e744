//! The nodes `litcap sign` signs for: `--node` URLs as the nodes compare them, and on Naga
//! each node's `maxPrice`, given (`--max-price [URL=]WEI`) or chosen from a price feed as the
//! SDK v8 does (`--price-feed`, [`litcap::internal::sign::node_choice`]).

use super::common::signing::Reported;
use super::common::{self, usage_error, usage_error_help};
use super::sign::SignArgs;
use litcap::internal::sign::node_choice::{self, Choice, ChoiceError};
use litcap::internal::wire::naga::{parse_price, PriceError, Product};

/// `--node` URLs as the SDK writes them and the nodes compare them (trailing `/` dropped, with
/// a note; a path or a second mention refused).
pub fn node_urls(given: &[String]) -> Result<Vec<String>, Reported> {
    let mut nodes: Vec<String> = Vec::with_capacity(given.len());
    for url in given {
        litcap::internal::sign::http::check_url(url)
            .map_err(|e| Reported(common::node_url_error(url, e)))?;
        let (node, changed) = litcap::internal::sign::http::node_url(url)
            .map_err(|e| Reported(usage_error(format!("--node: {e}"))))?;
        if changed {
            common::print_note(format!("signing for `--node {url}` as `{node}`: a node compares the signed `nodeAddress` with its own `host:port`, and would refuse the trailing `/`"));
        }
        if nodes.contains(&node) {
            return Err(Reported(usage_error(format!(
                "--node `{url}` names the node `{node}` a second time"
            ))));
        }
        nodes.push(node);
    }
    Ok(nodes)
}

/// `--max-price`: one `WEI` for every node, or `URL=WEI` for each node. `nodes` are the
/// `--node` URLs as signed for; a `URL=WEI` names its node as given or in that form.
pub fn node_prices(args: &SignArgs, nodes: &[String]) -> Result<Vec<(String, u128)>, Reported> {
    let bad = |v: &str, e: litcap::internal::wire::naga::PriceError| {
        Reported(usage_error(format!("--max-price `{v}`: {e}")))
    };
    if let [one] = args.max_prices.as_slice() {
        if !one.contains('=') {
            let p = parse_price(one).map_err(|e| bad(one, e))?;
            return Ok(nodes.iter().map(|u| (u.clone(), p)).collect());
        }
    }
    let mut per: Vec<(String, u128)> = Vec::new();
    for v in &args.max_prices {
        let Some((url, wei)) = v.rsplit_once('=') else {
            return Err(Reported(usage_error(format!(
                "--max-price `{v}`: with several values, write each as `URL=WEI`"
            ))));
        };
        per.push((url.to_string(), parse_price(wei).map_err(|e| bad(v, e))?));
    }
    args.nodes
        .iter()
        .zip(nodes)
        .map(|(given, u)| {
            per.iter()
                .find(|(url, _)| {
                    url == given
                        || litcap::internal::sign::http::node_url(url).is_ok_and(|(n, _)| &n == u)
                })
                .map(|(_, p)| (u.clone(), *p))
                .ok_or_else(|| {
                    Reported(usage_error(format!(
                        "--node `{given}` has no --max-price; add `--max-price {u}=WEI`"
                    )))
                })
        })
        .collect()
}

/// `--price-feed`: the SDK v8's choice of nodes ([`node_choice`]).
pub fn chosen_nodes(
    args: &SignArgs,
    feed: &std::path::Path,
    only: &[String],
) -> Result<Vec<(String, u128)>, Reported> {
    let shown = feed.display();
    let text = common::read_text(feed).map_err(Reported)?;
    let prices = node_choice::parse_price_feed(&text.text)
        .map_err(|e| Reported(usage_error(format!("--price-feed `{shown}`: {e}"))))?;
    let product = Product::parse(&args.product).ok_or_else(|| {
        let names = Product::ALL.map(|p| format!("`{}`", p.as_str())).join(", ");
        Reported(usage_error(format!(
            "--product `{}` is none of {names}",
            args.product
        )))
    })?;
    let user_max_price = match &args.user_max_price {
        Some(v) => Some(
            parse_price(v).map_err(|e| Reported(usage_error(format!("--user-max-price: {e}"))))?,
        ),
        None => None,
    };
    let choice = Choice {
        product,
        user_max_price,
        threshold: args.threshold,
        only,
    };
    node_choice::choose(&prices, &choice).map_err(|e| {
        let message = format!("--price-feed `{shown}`: {e}");
        let help = match &e {
            ChoiceError::Price(PriceError::TooLow { required, .. }) => format!(
                "raise `--user-max-price` to at least {required} wei, or sign for fewer nodes with `--threshold N`"
            ),
            ChoiceError::TooFew { have, .. } => format!(
                "pass `--threshold N` (at most {have}), or name more of the feed's nodes with `--node`"
            ),
            ChoiceError::NotInFeed(_) => {
                "name only nodes of the feed with `--node` (they stand for those that answered the handshake)".to_string()
            }
            ChoiceError::Price(_) => return Reported(usage_error(message)),
        };
        Reported(usage_error_help(message, help))
    })
}
