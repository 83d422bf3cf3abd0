//! The five seed offers in `offers/` load and carry their terms.

use billing::Offer;

fn load(name: &str) -> Offer {
    let path = format!("{}/../../offers/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("preset file exists");
    match Offer::parse(&format!("offers/{name}.toml"), &text) {
        Ok(offer) => offer,
        Err(errors) => panic!("{errors}"),
    }
}

#[test]
fn all_load() {
    for name in ["clog", "digitaleo", "claralex", "oseox", "ines"] {
        load(name);
    }
}
