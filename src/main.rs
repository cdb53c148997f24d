fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut opts = serde_saphyr::Options::default(); opts.with_snippet = false;
        match serde_saphyr::from_str_with_options::<distrib::manifest::model::Product>(&text, opts) {
            Ok(p) => println!("{p:#?}"),
            Err(e) => println!("ERR {:?}\nDISPLAY {}\nLOC {:?}", e, e, e.location().map(|l| (l.line(), l.column(), distrib::manifest::span::span_of(&l)))),
        }
    }
}
