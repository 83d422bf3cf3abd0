//! Micro benchmark of the HTML extraction (no criterion): builds a realistic page of a few hundred
//! KB, extracts it many times in 16 KiB chunks (as a network body arrives) and prints MB/s.
//!
//! `cargo run --release -p monitor --example extract_bench [iterations] [page KB]`

use std::time::Instant;

use monitor::Url;
use monitor::extract::{ExtractOptions, HtmlExtractor};

fn page(target_kb: usize) -> String {
    let mut s = String::from(
        r#"<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Caf&eacute; &amp; th&eacute; &ndash; Boutique en ligne | Exemple</title>
<meta name="description" content="Nos caf&eacute;s torr&eacute;fi&eacute;s &agrave; Lille, livr&eacute;s en 48 h.">
<meta name="robots" content="index, follow, max-image-preview:large">
<meta property="og:title" content="Caf&eacute; &amp; th&eacute;"><meta property="og:description" content="Boutique">
<link rel="canonical" href="https://www.exemple.fr/boutique/cafe">
<link rel="alternate" hreflang="fr" href="https://www.exemple.fr/boutique/cafe">
<link rel="alternate" hreflang="en" href="https://www.exemple.fr/en/shop/coffee">
<link rel="stylesheet" href="/assets/app.css">
<style>body{font-family:sans-serif}.card{display:flex;gap:1rem}.card>img{width:120px}</style>
<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());</script>
</head><body><header><nav><ul>"#,
    );
    for i in 0..40 {
        s.push_str(&format!(
            "<li><a href=\"/rubrique/{i}\" class=\"nav-link\">Rubrique n&deg;{i}</a></li>"
        ));
    }
    s.push_str("</ul></nav></header><main><h1>Nos caf&eacute;s <em>d'exception</em></h1>");
    let mut i = 0;
    while s.len() < target_kb * 1024 {
        s.push_str(&format!(
            "<article class=\"card\" data-id=\"{i}\"><img src=\"/img/p{i}.webp\" alt=\"Produit {i}\" loading=\"lazy\">\
             <div><h2>Produit {i} &mdash; arabica</h2><p>Un caf&eacute; doux aux notes de noisette, \
             torr&eacute;fi&eacute; &agrave; la main. Prix&nbsp;: {i},90&nbsp;&euro; TTC. \
             <a href=\"/produits/{i}?utm_source=list&amp;utm_medium=web\" rel=\"nofollow\">Voir le produit</a> \
             <a href=\"https://partenaire.example.org/offre\">Partenaire</a></p>\
             <script type=\"application/ld+json\">{{\"@type\":\"Product\",\"name\":\"Produit {i}\"}}</script></div></article>\n"
        ));
        i += 1;
    }
    s.push_str("</main><footer><p>&copy; 2026 Exemple SARL</p></footer></body></html>");
    s
}

fn main() {
    let mut args = std::env::args().skip(1);
    let iterations: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let kb: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(300);
    let html = page(kb);
    let bytes = html.as_bytes();
    let url = Url::parse("https://www.exemple.fr/boutique/cafe").unwrap_or_else(|_| std::process::exit(2));

    for (label, options) in [
        ("HTTP tool (SEO elements + text hash)", ExtractOptions::default()),
        (
            "LINK tool (also every <a> checked against a target)",
            ExtractOptions {
                link_target: Url::parse("https://partenaire.example.org/offre").ok(),
                ..ExtractOptions::default()
            },
        ),
    ] {
        // Warm-up and a sanity check.
        let mut links = 0;
        let mut h1 = String::new();
        for _ in 0..3 {
            let mut x = HtmlExtractor::new(Some("text/html; charset=utf-8"), &url, &options);
            for chunk in bytes.chunks(16 * 1024) {
                if x.write(chunk).is_err() {
                    std::process::exit(1);
                }
            }
            match x.finish() {
                Ok(p) => {
                    links = p.links.len();
                    h1 = p.h1.join(" | ");
                }
                Err(e) => {
                    eprintln!("extraction failed: {e}");
                    std::process::exit(1);
                }
            }
        }
        // Several rounds; the best and the median are printed (the machine is shared).
        let mut rates = Vec::new();
        for _ in 0..ROUNDS {
            let start = Instant::now();
            for _ in 0..iterations {
                let mut x = HtmlExtractor::new(Some("text/html; charset=utf-8"), &url, &options);
                for chunk in bytes.chunks(16 * 1024) {
                    let _ = x.write(chunk);
                }
                let _ = std::hint::black_box(x.finish());
            }
            rates.push(start.elapsed().as_secs_f64());
        }
        report(label, bytes.len(), iterations, &mut rates);
        println!("  h1: {h1:?}, target links found: {links}");
    }

    // Floors: lol_html alone with no handler, with one text handler on the whole document, and
    // with one element handler; same chunks. They show what the extraction itself costs.
    type Make = fn() -> lol_html::Settings<'static, 'static>;
    let floors: [(&str, Make); 3] = [
        ("lol_html alone, no handler", || lol_html::Settings::new()),
        ("lol_html, one document text handler", || {
            lol_html::Settings::new().append_document_content_handler(lol_html::doc_text!(|t| {
                std::hint::black_box(t.as_str().len());
                Ok(())
            }))
        }),
        ("lol_html, one element handler (`meta`)", || {
            lol_html::Settings::new().append_element_content_handler(lol_html::element!("meta", |el| {
                std::hint::black_box(el.get_attribute("content"));
                Ok(())
            }))
        }),
    ];
    for (label, make) in floors {
        let mut rates = Vec::new();
        for _ in 0..ROUNDS {
            let start = Instant::now();
            for _ in 0..iterations {
                let mut r = lol_html::HtmlRewriter::new(make(), |_: &[u8]| {});
                for chunk in bytes.chunks(16 * 1024) {
                    let _ = r.write(chunk);
                }
                let _ = std::hint::black_box(r.end());
            }
            rates.push(start.elapsed().as_secs_f64());
        }
        report(label, bytes.len(), iterations, &mut rates);
    }
}

const ROUNDS: usize = 5;

fn report(label: &str, page_bytes: usize, iterations: usize, secs: &mut [f64]) {
    secs.sort_by(f64::total_cmp);
    let mb = (page_bytes * iterations) as f64 / 1e6;
    let best = secs[0];
    let median = secs[secs.len() / 2];
    println!("{label}");
    println!(
        "  page {:.0} KB x {iterations}, {} rounds: best {:.1} MB/s ({:.0} pages/s, {:.2} ms/page), median {:.1} MB/s",
        page_bytes as f64 / 1024.0,
        secs.len(),
        mb / best,
        iterations as f64 / best,
        best * 1000.0 / iterations as f64,
        mb / median,
    );
}
