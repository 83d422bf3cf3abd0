//! Micro benchmark of the HTML extraction (no criterion): extracts pages many times in 16 KiB
//! chunks (as a network body arrives) with the crate's tokenizer and, in the same run, with the
//! extraction as it was built on lol_html (the oracle of the differential tests, kept in
//! `tests/it/reference.rs`), and lol_html alone with no handler; prints MB/s and time per page.
//! Every page is first checked to give the same result with both.
//!
//! ```sh
//! cargo run --release -p monitor --example extract_bench [iterations] [page KB]
//! cargo run --release -p monitor --example extract_bench [iterations] DIR   # every *.html of DIR
//! cargo run --release -p monitor --example extract_bench 20 DIR 'HTTP tool (' # one case, unchecked, to profile
//! ```
//!
//! Without DIR the page is generated (a few hundred KB of product cards); with DIR, use the
//! monitor benchmark's pages (`benches/monitor/gen_pages.py DIR`).

use std::time::Instant;

use monitor::Url;
use monitor::extract::{ExtractOptions, HtmlExtractor, PageElements};

#[allow(dead_code)]
#[path = "../tests/it/reference.rs"]
mod reference;

fn generated_page(target_kb: usize) -> String {
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

const CONTENT_TYPE: Option<&str> = Some("text/html; charset=utf-8");
const CHUNK: usize = 16 * 1024;
const ROUNDS: usize = 5;

fn ours(page: &[u8], url: &Url, options: &ExtractOptions) -> PageElements {
    let mut x = HtmlExtractor::new(CONTENT_TYPE, url, options);
    for chunk in page.chunks(CHUNK) {
        x.write(chunk);
    }
    x.finish()
}

fn lol_html_extraction(page: &[u8], url: &Url, options: &ExtractOptions) -> Option<PageElements> {
    let mut x = reference::ReferenceExtractor::new(CONTENT_TYPE, url, options);
    for chunk in page.chunks(CHUNK) {
        x.write(chunk).ok()?;
    }
    x.finish().ok()
}

fn lol_html_alone(page: &[u8]) {
    let mut r = lol_html::HtmlRewriter::new(lol_html::Settings::new(), |_: &[u8]| {});
    for chunk in page.chunks(CHUNK) {
        let _ = r.write(chunk);
    }
    let _ = std::hint::black_box(r.end());
}

fn main() {
    let mut args = std::env::args().skip(1);
    let iterations: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let source = args.next().unwrap_or_else(|| "300".into());
    // Only the cases whose label contains this (for a profile of one of them).
    let only = args.next().unwrap_or_default();
    let pages: Vec<Vec<u8>> = match source.parse::<usize>() {
        Ok(kb) => vec![generated_page(kb).into_bytes()],
        Err(_) => {
            let mut files: Vec<_> = std::fs::read_dir(&source)
                .unwrap_or_else(|e| fail(&format!("{source}: {e}")))
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "html"))
                .collect();
            files.sort();
            files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
        }
    };
    if pages.is_empty() {
        fail("no pages");
    }
    let bytes: usize = pages.iter().map(Vec::len).sum();
    println!(
        "{} page(s), {:.1} KB on average, {iterations} passes per round, {ROUNDS} rounds",
        pages.len(),
        bytes as f64 / pages.len() as f64 / 1024.0
    );
    let url = Url::parse("https://www.exemple.fr/boutique/cafe").unwrap_or_else(|_| fail("url"));
    let http = ExtractOptions::default();
    let link = ExtractOptions {
        link_target: Url::parse("https://partenaire.example.org/offre").ok(),
        ..ExtractOptions::default()
    };

    // The same result from both parsers, on every page, before anything is timed (not when
    // profiling one case).
    let checked: &[&ExtractOptions] = if only.is_empty() { &[&http, &link] } else { &[] };
    for options in checked {
        for (i, page) in pages.iter().enumerate() {
            let mine = ours(page, &url, options);
            match lol_html_extraction(page, &url, options) {
                Some(theirs) if theirs == mine => {}
                Some(_) => fail(&format!("page {i}: the extractions differ")),
                None => println!("page {i}: lol_html refuses it"),
            }
        }
    }
    let sample = ours(&pages[0], &url, &link);
    println!("  first page: h1 {:?}, target links {}", sample.h1, sample.links.len());

    let time = |label: &str, f: &dyn Fn(&[u8])| {
        if !label.contains(&only) {
            return;
        }
        let mut secs = Vec::new();
        for _ in 0..ROUNDS {
            let start = Instant::now();
            for _ in 0..iterations {
                for page in &pages {
                    f(page);
                }
            }
            secs.push(start.elapsed().as_secs_f64());
        }
        report(label, bytes * iterations, pages.len() * iterations, &mut secs);
    };
    time("HTTP tool (SEO elements + text hash)", &|p| {
        std::hint::black_box(ours(p, &url, &http));
    });
    time("LINK tool (also every <a> against a target)", &|p| {
        std::hint::black_box(ours(p, &url, &link));
    });
    time("HTTP tool on lol_html (before)", &|p| {
        std::hint::black_box(lol_html_extraction(p, &url, &http));
    });
    time("LINK tool on lol_html (before)", &|p| {
        std::hint::black_box(lol_html_extraction(p, &url, &link));
    });
    time("lol_html alone, no handler", &|p| lol_html_alone(p));
}

fn fail(why: &str) -> ! {
    eprintln!("{why}");
    std::process::exit(1)
}

/// Prints the best and median round: time per page and MB/s. `round_bytes` is what one round
/// reads, over `round_pages` extractions.
fn report(label: &str, round_bytes: usize, round_pages: usize, secs: &mut [f64]) {
    secs.sort_by(f64::total_cmp);
    let best = secs[0];
    let median = secs[secs.len() / 2];
    println!(
        "{label}: best {:.1} µs/page ({:.0} MB/s), median {:.1} µs/page",
        best * 1e6 / round_pages as f64,
        round_bytes as f64 / 1e6 / best,
        median * 1e6 / round_pages as f64,
    );
}
