//! The extraction against its oracle: lol_html (Cloudflare's streaming HTML rewriter, the parser
//! the extraction was first built on, kept in `reference.rs`) must find the same SEO elements,
//! links and visible-text hash as the crate's own tokenizer, on generated pages that mix the
//! markup of real sites with every oddity the HTML standard defines (comment endings, script
//! escapes, raw-text elements, SVG and CDATA, unclosed elements, broken entities, invalid bytes).
//!
//! A page lol_html refuses (its strict mode gives up on a few ambiguous constructs) is skipped.
//! One divergence is deliberate and kept out of the generator: a self-closing `<svg/>` or
//! `<math/>` closes at once, as the standard says, where lol_html goes on as if inside SVG.

use monitor::Url;
use monitor::extract::{ExtractOptions, HtmlExtractor, PageElements, extract_html};
use proptest::prelude::*;

use crate::reference::reference_extract;

fn page_url() -> Url {
    Url::parse("https://www.example.fr/dossier/page").expect("url")
}

fn options() -> ExtractOptions {
    ExtractOptions {
        link_target: Url::parse("https://partenaire.example.org/offre").ok(),
        ..ExtractOptions::default()
    }
}

/// Markup pieces: what real pages are made of, then what the standard allows and pages get wrong.
const PIECES: &[&str] = &[
    "<!DOCTYPE html>",
    "<html lang=\"fr\">",
    "<head>",
    "</head>",
    "<body class=\"home\">",
    "</body></html>",
    "<meta charset=\"utf-8\">",
    "<meta name=\"description\" content=\"Caf&eacute; &amp; th&eacute; &quot;bio&quot;\">",
    "<META NAME=Description CONTENT='second'>",
    "<meta name=\"robots\" content=\"noindex, nofollow\">",
    "<meta name=\"googlebot\" content=\"noarchive\">",
    "<meta property=\"og:title\" content=\"OG &amp; co\">",
    "<meta property=og:description content=desc&eacute;>",
    "<link rel=\"canonical\" href=\"/canon?a=1&amp;b=2\">",
    "<link rel=\"alternate\" hreflang=\"EN\" href=\"https://www.example.fr/en/\">",
    "<link rel=alternate hreflang=x-default href=/>",
    "<link rel=\"stylesheet\" href=\"/app.css\">",
    "<base href=\"https://cdn.example.fr/base/\">",
    "<title>",
    "</title>",
    "<title>Caf&eacute;   &amp; cr&egrave;me &ndash; Paris</title>",
    "<TITLE>Second title</TITLE>",
    "<h1>",
    "</h1>",
    "<h1 class=\"t\">Notre <em>caf&eacute;</em></h1>",
    "<h2>Sous-titre</h2>",
    "<h3>",
    "<p>",
    "</p>",
    "<div class=\"card\" data-x='1>2'>",
    "</div>",
    "<span>",
    "</span>",
    "<ul><li>",
    "</li></ul>",
    "<a href=\"https://partenaire.example.org/offre\">",
    "<a href=\"https://partenaire.example.org/offre\" rel=\"nofollow sponsored\">Partenaire</a>",
    "<a href='//partenaire.example.org/offre'><img src=\"/p.png\" alt=\"Logo &amp; co\"></a>",
    "<a href=/interne>",
    "<A HREF=\"https://partenaire.example.org/offre?x=1\">",
    "</a>",
    "<img alt=\"solo\">",
    "<br>",
    "<br/>",
    "<hr />",
    "<script>var a = \"<h1>not a heading</h1>\"; if (a < b) {}</script>",
    "<script type=\"application/ld+json\">{\"name\": \"x</scrip\"}</script>",
    "<script><!-- document.write(\"<script>x</script>\") --></script>",
    "<script><!-- a --></script>",
    "<script>",
    "</script>",
    "<style>p { color: red } a > b {}</style>",
    "<style>",
    "</style>",
    "<noscript><img src=\"/pixel\">Activez JavaScript</noscript>",
    "<template><p>hidden</p></template>",
    "<textarea>a <b> &amp; c</textarea>",
    "<iframe src=\"/f\">fallback <b>text</b></iframe>",
    "<xmp><b>raw</b></xmp>",
    "<svg viewBox=\"0 0 10 10\"><title>icon</title><path d=\"M0 0\"/></svg>",
    "<svg><style>.a{}</style><![CDATA[<x>&amp;]]></svg>",
    "<svg><foreignObject><p>inside</p></foreignObject></svg>",
    "<svg><desc>d<script>s</script></desc></svg>",
    "<svg>",
    "</svg>",
    "<math><mi>x</mi><annotation-xml encoding=\"text/html\"><p>h</p></annotation-xml></math>",
    "<svg><p>leaves</p>",
    "<svg><font color=red>f</font></svg>",
    "<!-- a comment -->",
    "<!-->",
    "<!--->",
    "<!-- x --!>",
    "<!--!>not closed-->",
    "<!-- <!-- nested -->",
    "<!-- unterminated",
    "<![CDATA[in html]]>",
    "<?xml version=\"1.0\"?>",
    "<!x>",
    "</>",
    "</ bogus>",
    "<",
    "< ",
    "a < b",
    "</div class=\"x\">",
    "<div =x a==b c=\"d\"e>",
    "<p title=\"unterminated",
    "<plaintext>",
    "Texte visible",
    "Caf&eacute; &amp; cr&egrave;me",
    "&nbsp;&#8211;&#x2014;&euro;",
    "&amp",
    "&notit; &ampx &#0; &#xD800; &#99999999;",
    "&",
    " ",
    "\n\t  ",
    "\u{a0}\u{2009}\u{3000}",
    "é",
    "’",
    "日本",
    "🎉",
    "word",
    "x",
];

fn page() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        8 => proptest::sample::select(PIECES).prop_map(|p| p.as_bytes().to_vec()),
        1 => "[a-zA-Z<>/=\"'! &;#-]{1,6}".prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 1..4),
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

/// Extracts with both parsers; `None` when lol_html refuses the page.
fn both(body: &[u8], content_type: Option<&str>) -> Option<(PageElements, PageElements)> {
    let ours = extract_html(body, content_type, &page_url(), &options());
    let theirs = reference_extract(body, content_type, &page_url(), &options()).ok()?;
    Some((ours, theirs))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_tokenizer_reads_pages_as_lol_html_does(body in page()) {
        if let Some((ours, theirs)) = both(&body, Some("text/html; charset=utf-8")) {
            prop_assert_eq!(ours, theirs, "page {:?}", String::from_utf8_lossy(&body));
        }
    }

    #[test]
    fn chunks_change_nothing(body in page(), sizes in proptest::collection::vec(1usize..40, 1..8)) {
        let whole = extract_html(&body, None, &page_url(), &options());
        let mut x = HtmlExtractor::new(None, &page_url(), &options());
        let mut rest: &[u8] = &body;
        for size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (chunk, tail) = rest.split_at((*size).min(rest.len()));
            x.write(chunk);
            rest = tail;
        }
        prop_assert_eq!(x.finish(), whole);
    }
}

/// Pages in a legacy encoding, named by the header or by `<meta>`, are decoded alike.
#[test]
fn legacy_encodings_are_read_as_lol_html_does() {
    let cases: [(&[u8], Option<&str>); 4] = [
        (b"<title>Caf\xe9</title><p>cr\xe8me \x80</p>", Some("text/html; charset=windows-1252")),
        (b"<meta charset=\"iso-8859-15\"><title>\xa4 Caf\xe9</title><p>\xbd</p>", None),
        (
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=shift_jis\"><title>\x93\xfa\x96\x7b</title>",
            Some("text/html"),
        ),
        (b"<p>before</p><meta charset=\"windows-1252\"><h1>\xe9t\xe9</h1>", None),
    ];
    for (body, content_type) in cases {
        let (ours, theirs) = both(body, content_type).expect("lol_html reads the page");
        assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(body));
    }
}

/// A realistic page, whole and in network-sized chunks.
#[test]
fn a_realistic_page_is_read_as_lol_html_does() {
    let mut page = String::from(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Boulangerie &amp; \
         p&acirc;tisserie &ndash; Lille</title><meta name=\"description\" content=\"Pains au \
         levain, viennoiseries\"><link rel=\"canonical\" href=\"/\"><script>window.x=1<2;</script>\
         <style>.a>b{}</style></head><body><header><nav>",
    );
    for i in 0..200 {
        page.push_str(&format!(
            "<article><h2>Produit {i}</h2><p>Un pain&nbsp;doux, cuit &agrave; la main \u{2019}ici\u{2019}. \
             <a href=\"https://partenaire.example.org/offre\" rel=\"ugc\">Voir <b>l'offre</b></a> \
             <img src=\"/{i}.webp\" alt=\"Produit {i}\"></p><!-- carte {i} --></article>\n"
        ));
    }
    page.push_str("<h1>Nos pains</h1><footer>&copy; 2026</footer></body></html>");
    let (ours, theirs) = both(page.as_bytes(), Some("text/html")).expect("lol_html reads the page");
    assert_eq!(ours, theirs);
    let mut x = HtmlExtractor::new(Some("text/html"), &page_url(), &options());
    for chunk in page.as_bytes().chunks(16 * 1024) {
        x.write(chunk);
    }
    assert_eq!(x.finish(), ours);
}
