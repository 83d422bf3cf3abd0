#!/usr/bin/env python3
"""Writes the pages the monitor benchmark checks: COUNT French shop-and-blog pages of 40-60 KB.

Usage: gen_pages.py DIR [COUNT=500] [--origin http://127.0.0.1:18080] [--seed 4]

Each page has what the monitor extracts (title, meta description, robots, canonical, hreflang,
Open Graph, h1s) and the bulk real pages carry around it (a long nav, JSON-LD, images, footer,
entities), so parsing costs what it costs on a real site. DIR also gets robots.txt and
sitemap.xml. The output depends only on the arguments (one seeded generator per page), so two runs
and two machines check the same bytes.
"""

import argparse
import json
import os
import random
import sys

# A French-looking vocabulary with the accents, ligatures and apostrophes real text has; the
# words are picked at random, so the sentences only look like French to a parser. No word holds
# <, & or ", so text built from them goes into the markup unescaped.
WORDS = (
    "le la les des du de un une et en pour avec dans sur par que qui est sont plus mais aussi "
    "ainsi leur nos votre notre chaque très déjà où après avant entre depuis sous chez "
    "boulangerie pâtisserie crème brûlée goûter fraîcheur maîtrise savoir-faire façade reçu "
    "été élève château forêt hôpital qualité société développement référencement économie "
    "événement théâtre fenêtre être côté intérêt sécurité procédure numérique stratégie "
    "expérience cœur œuvre naïf Noël garçon français région marché clientèle artisan farine "
    "levain fournée croûte mie épeautre sarrasin châtaigne noisette praliné ganache éclair "
    "mille-feuille tarte galette brioche viennoiserie quartier rue place matinée soirée "
    "commande livraison retrait boutique horaires équipe métier apprentissage réseau "
    "moteur recherche visibilité contenu page lien balise titre résumé indexation "
    "exploration robot sitemap audit analyse données tableau courbe évolution année mois "
    "semaine journée prix tarif offre abonnement facture client fournisseur partenaire "
    "l'artisan l'équipe d'abord d'été qu'elle s'ouvre j'ai n'est aujourd'hui"
).split()

CATEGORIES = [
    ("pains", "Pains"),
    ("viennoiseries", "Viennoiseries"),
    ("patisseries", "Pâtisseries"),
    ("traiteur", "Traiteur"),
    ("evenements", "Événements"),
    ("savoir-faire", "Savoir-faire"),
    ("blog", "Le blog"),
    ("magasins", "Nos boutiques"),
]

EXTERNAL = [
    "https://fr.wikipedia.org/wiki/Boulangerie",
    "https://www.service-public.fr/professionnels-entreprises",
    "https://www.economie.gouv.fr/entreprises",
    "https://www.insee.fr/fr/accueil",
    "https://www.legifrance.gouv.fr/",
    "https://www.cnil.fr/fr",
    "https://www.meteofrance.com/",
    "https://www.instagram.com/boulangerie.exemple/",
    "https://www.facebook.com/boulangerie.exemple",
    "https://www.youtube.com/@boulangerie-exemple",
]


def sentence(rng, lo=8, hi=20, markup=False):
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    for i in range(2, len(words) - 2):
        if rng.random() < 0.08:
            words[i] += ","
    if markup and rng.random() < 0.15:
        i = rng.randrange(1, len(words))
        tag = rng.choice(["strong", "em"])
        words[i] = f"<{tag}>{words[i]}</{tag}>"
    text = " ".join(words)
    text = text[0].upper() + text[1:]
    # French typography puts a no-break space before ? and !; written as an entity, as CMSs do,
    # so the extractor's entity decoding is on the path.
    end = rng.choices([".", "&nbsp;?", "&nbsp;!", "…"], weights=[85, 6, 5, 4])[0]
    return text + end


def words(rng, lo, hi):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def paragraph(rng, count):
    parts = []
    for _ in range(rng.randint(3, 7)):
        s = sentence(rng, markup=True)
        r = rng.random()
        if r < 0.12:
            k = rng.randrange(count)
            s += f' Voir aussi <a href="/page-{k}.html">{words(rng, 2, 5)}</a>.'
        elif r < 0.17:
            s += (
                f' Source&nbsp;: <a href="{rng.choice(EXTERNAL)}" rel="noopener" '
                f'target="_blank">{words(rng, 1, 3)}</a>.'
            )
        parts.append(s)
    return "<p>" + " ".join(parts) + "</p>\n"


def page(n, count, origin, seed, rng):
    # The page ends on a whole paragraph below the drawn size, up to ~1 KB short: hence 41,000.
    size = rng.randint(41_000, 60_000)
    cat_slug, cat_name = CATEGORIES[n % len(CATEGORIES)]
    topic = words(rng, 3, 6)
    topic = topic[0].upper() + topic[1:]
    title = f"{topic} &amp; {cat_name.lower()} — Boulangerie Exemple ({n})"
    description = sentence(rng, 18, 28)
    # A few pages say noindex, and a few carry two h1s: the defects the monitor reports.
    robots = "noindex, follow" if n % 37 == 5 else "index, follow, max-image-preview:large"
    path = f"/page-{n}.html"

    out = []
    out.append(
        "<!DOCTYPE html>\n"
        '<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n"
        f'<meta name="description" content="{description}">\n'
        f'<meta name="robots" content="{robots}">\n'
        f'<link rel="canonical" href="{path}">\n'
        f'<link rel="alternate" hreflang="fr" href="{path}">\n'
        f'<link rel="alternate" hreflang="en" href="/en{path}">\n'
        f'<link rel="alternate" hreflang="de" href="/de{path}">\n'
        f'<link rel="alternate" hreflang="fr-BE" href="https://www.boulangerie-exemple.be{path}">\n'
        f'<link rel="alternate" hreflang="x-default" href="{path}">\n'
        f'<meta property="og:type" content="article">\n'
        f'<meta property="og:title" content="{topic} — Boulangerie Exemple">\n'
        f'<meta property="og:description" content="{description}">\n'
        f'<meta property="og:url" content="{origin}{path}">\n'
        f'<meta property="og:image" content="{origin}/img/og-{n % 50}.jpg">\n'
        '<meta property="og:locale" content="fr_FR">\n'
        '<meta name="twitter:card" content="summary_large_image">\n'
        f'<link rel="stylesheet" href="/assets/site.{seed:04x}.css">\n'
        '<link rel="icon" href="/favicon.ico">\n'
        '<link rel="preload" href="/assets/inter.woff2" as="font" type="font/woff2" crossorigin>\n'
    )
    ld = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": topic,
        "inLanguage": "fr-FR",
        "datePublished": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}",
        "author": {"@type": "Organization", "name": "Boulangerie Exemple"},
        "publisher": {
            "@type": "Organization",
            "name": "Boulangerie Exemple",
            "logo": {"@type": "ImageObject", "url": f"{origin}/img/logo.png"},
        },
        "mainEntityOfPage": f"{origin}{path}",
        "articleSection": cat_name,
        "keywords": [rng.choice(WORDS) for _ in range(8)],
    }
    out.append(
        '<script type="application/ld+json">'
        + json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
        + "</script>\n"
    )
    out.append(
        "<style>.skip{position:absolute;left:-9999px}.hero img{max-width:100%;height:auto}</style>\n"
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
        "gtag('js',new Date());gtag('config','G-EXEMPLE');</script>\n"
        "</head>\n<body>\n"
        '<a class="skip" href="#contenu">Aller au contenu</a>\n'
    )

    nav = ['<header class="site">\n<a href="/"><img src="/img/logo.svg" alt="Boulangerie Exemple" '
           'width="160" height="48"></a>\n<nav aria-label="Menu principal">\n<ul>\n']
    for slug, name in CATEGORIES:
        nav.append(f'<li><a href="/{slug}/">{name}</a>\n<ul>\n')
        for j in range(4):
            k = (n * 7 + j * 13 + len(slug)) % count
            nav.append(f'<li><a href="/page-{k}.html">{words(rng, 1, 3)}</a></li>\n')
        nav.append("</ul></li>\n")
    nav.append('</ul>\n</nav>\n<form action="/recherche" method="get" role="search">'
               '<input type="search" name="q" placeholder="Rechercher…"></form>\n</header>\n')
    out.append("".join(nav))

    out.append(
        f'<nav class="fil" aria-label="Fil d’Ariane"><a href="/">Accueil</a> › '
        f'<a href="/{cat_slug}/">{cat_name}</a> › {topic}</nav>\n'
        '<main id="contenu">\n<article>\n'
        f"<h1>{topic}</h1>\n"
    )
    if n % 23 == 7:
        out.append(f"<h1>{words(rng, 2, 4)}</h1>\n")
    out.append(
        f'<p class="chapo"><time datetime="2026-{1 + n % 12:02d}-{1 + n % 28:02d}">'
        f"{1 + n % 28} {['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'][n % 12]} 2026</time> "
        f"— {description}</p>\n"
    )
    body_len = sum(len(s.encode()) for s in out)
    footer = footer_html(rng, count, n)
    budget = size - len(footer.encode()) - len("</article>\n</main>\n</body>\n</html>\n")
    section = 0
    while body_len < budget:
        section += 1
        chunk = [f"<h2>{words(rng, 3, 7).capitalize()}</h2>\n"]
        for _ in range(rng.randint(1, 3)):
            chunk.append(paragraph(rng, count))
        if rng.random() < 0.5:
            img = f"/img/{cat_slug}-{rng.randrange(200)}.jpg"
            chunk.append(
                f'<figure class="hero"><img src="{img}" alt="{words(rng, 3, 8)}" '
                f'width="1200" height="800" loading="lazy" decoding="async">'
                f"<figcaption>{words(rng, 4, 10)}</figcaption></figure>\n"
            )
        for _ in range(rng.randint(0, 2)):
            chunk.append(f"<h3>{words(rng, 2, 6).capitalize()}</h3>\n")
            chunk.append(paragraph(rng, count))
        if rng.random() < 0.2:
            chunk.append("<ul>\n" + "".join(f"<li>{sentence(rng, 4, 10)}</li>\n" for _ in range(rng.randint(3, 6))) + "</ul>\n")
        text = "".join(chunk)
        if body_len + len(text.encode()) > budget:
            # A whole section would overshoot the page's size: end with one paragraph if it fits,
            # so sizes stay within the range instead of spilling a section past it.
            text = paragraph(rng, count)
            if body_len + len(text.encode()) > budget:
                break
        out.append(text)
        body_len += len(text.encode())
    out.append("</article>\n</main>\n")
    out.append(footer)
    out.append("</body>\n</html>\n")
    return "".join(out)


def footer_html(rng, count, n):
    links = []
    for j in range(12):
        k = (n * 11 + j * 41) % count
        links.append(f'<li><a href="/page-{k}.html">{words(rng, 1, 3)}</a></li>')
    legal = [
        ("/mentions-legales", "Mentions légales"),
        ("/cgv", "Conditions générales de vente"),
        ("/confidentialite", "Politique de confidentialité"),
        ("/cookies", "Gestion des cookies"),
        ("/contact", "Contact"),
        ("/plan-du-site", "Plan du site"),
    ]
    links += [f'<li><a href="{h}">{t}</a></li>' for h, t in legal]
    social = [f'<li><a href="{u}" rel="nofollow noopener">{u.split("/")[2]}</a></li>' for u in EXTERNAL[7:]]
    return (
        '<footer class="site">\n<ul class="liens">\n' + "\n".join(links) + "\n</ul>\n"
        '<ul class="reseaux">\n' + "\n".join(social) + "\n</ul>\n"
        "<p>© 2026 Boulangerie Exemple SARL — 1 rue du Banc, 75001 Paris — "
        "SIREN 732&nbsp;829&nbsp;320</p>\n"
        '<noscript><img src="/px.gif?noscript=1" alt="" width="1" height="1"></noscript>\n'
        "</footer>\n"
    )


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dir")
    p.add_argument("count", nargs="?", type=int, default=500)
    p.add_argument("--origin", default="http://127.0.0.1:18080",
                   help="absolute origin for og:url, JSON-LD and the sitemap")
    p.add_argument("--seed", type=int, default=4)
    a = p.parse_args()
    origin = a.origin.rstrip("/")
    os.makedirs(a.dir, exist_ok=True)
    total = 0
    for n in range(a.count):
        # One generator per page: changing one page's template does not reshuffle the others.
        rng = random.Random(f"{a.seed}/{n}")
        data = page(n, a.count, origin, a.seed, rng).encode()
        total += len(data)
        with open(os.path.join(a.dir, f"page-{n}.html"), "wb") as f:
            f.write(data)
    with open(os.path.join(a.dir, "robots.txt"), "w") as f:
        f.write(f"User-agent: *\nDisallow: /recherche\nDisallow: /panier\n\nSitemap: {origin}/sitemap.xml\n")
    with open(os.path.join(a.dir, "sitemap.xml"), "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
        for n in range(a.count):
            f.write(f"<url><loc>{origin}/page-{n}.html</loc>"
                    f"<lastmod>2026-{1 + n % 12:02d}-{1 + n % 28:02d}</lastmod></url>\n")
        f.write("</urlset>\n")
    print(f"{a.count} pages, {total / a.count / 1000:.1f} KB on average, in {a.dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
