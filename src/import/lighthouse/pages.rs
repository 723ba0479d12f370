//! Pages and their labels: the `<page-label>` part of `lighthouse/<name>/<page-label>/<audit>`
//! when one import holds several pages (a Lighthouse CI folder with several URLs) or a user flow
//! (one label a step).
//!
//! A page is a URL's path and query ([`page_key`]): scheme, host and port are not part of it, so
//! that ids stay the same when a site is served on another host or port (a retried run on a new
//! free port, a preview host): runs of one path under one name are runs of one page, and budgets
//! keep matching. Two different paths are two pages.
//!
//! A page's label is its URL path made safe for metric ids and budget globs: lower case, runs of
//! characters other than `a-z 0-9 . _` become one `-`, slashes too (`/blog/post-1/` →
//! `blog-post-1`, `/index.html` → `index.html`), and the root path `/` is `root`. Pages whose
//! paths give the same label are labelled by path and query instead (`search-q-shoes`), and as a
//! last resort numbered (`-2`, `-3`) in URL order. Flow steps are labelled by the slug of the
//! step name (`Click slow button` → `click-slow-button`); two steps of one flow with the same
//! name get `-2`, `-3` in flow order.

use std::collections::BTreeMap;

/// Lower-case `text` with runs of characters other than `a-z 0-9 . _` replaced by one `-`,
/// without leading or trailing `-` or `.`. Safe inside metric ids and budget globs.
pub(super) fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches(|c| c == '-' || c == '.').to_string()
}

/// The page a URL shows: its path and query (`/blog/post?x=1`), without scheme, host, port or
/// fragment. Text that is not a URL (a hand-edited report) is its own page.
pub(super) fn page_key(url: &str) -> String {
    match url::Url::parse(url.trim()) {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        },
        Err(_) => url.trim().to_string(),
    }
}

/// Where a URL was served from (`http://127.0.0.1:41234`), for saying that runs of one page came
/// from several; `None` for text that is not a URL.
pub(super) fn origin(url: &str) -> Option<String> {
    let u = url::Url::parse(url.trim()).ok()?;
    u.has_host().then(|| u.origin().ascii_serialization())
}

fn join(parts: &[&str]) -> String {
    let kept: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    if kept.is_empty() {
        "root".to_string()
    } else {
        kept.join("-")
    }
}

/// Labels for pages given by their [`page_key`]s, in the order given, all distinct.
pub(super) fn url_labels(keys: &[String]) -> Vec<String> {
    let parts: Vec<(String, String)> = keys
        .iter()
        .map(|k| match k.split_once('?') {
            Some((path, query)) => (slug(path), slug(query)),
            None => (slug(k), String::new()),
        })
        .collect();
    let mut labels: Vec<String> = parts.iter().map(|(path, _)| join(&[path])).collect();
    let dupes = duplicated(&labels);
    for (i, (path, query)) in parts.iter().enumerate() {
        if dupes.contains(&labels[i]) {
            labels[i] = join(&[path, query]);
        }
    }
    number_duplicates(&mut labels);
    labels
}

/// Makes step slugs of one flow unique: the second `navigate` becomes `navigate-2`.
pub(super) fn unique_step_slugs(names: &[String]) -> Vec<String> {
    let mut labels: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let s = slug(n);
            if s.is_empty() {
                format!("step-{}", i + 1)
            } else {
                s
            }
        })
        .collect();
    number_duplicates(&mut labels);
    labels
}

fn duplicated(labels: &[String]) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for l in labels {
        *counts.entry(l).or_default() += 1;
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(l, _)| l.to_string())
        .collect()
}

/// Appends `-2`, `-3` … to the second and later copies of a label, skipping suffixes that are
/// already taken by another label.
pub(super) fn number_duplicates(labels: &mut [String]) {
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    for i in 0..labels.len() {
        if taken.insert(labels[i].clone()) {
            continue;
        }
        let base = labels[i].clone();
        let mut n = 2;
        loop {
            let candidate = format!("{base}-{n}");
            if !labels.contains(&candidate) && taken.insert(candidate.clone()) {
                labels[i] = candidate;
                break;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn slugs_are_safe_in_metric_ids_and_globs() {
        assert_eq!(slug("Click slow button"), "click-slow-button");
        assert_eq!(slug("/blog/post-1/"), "blog-post-1");
        assert_eq!(
            slug("Navigation report (www.example.co/)"),
            "navigation-report-www.example.co"
        );
        assert_eq!(slug("a*b?[c]{d}"), "a-b-c-d");
        assert_eq!(slug("/"), "");
        assert_eq!(slug("Ünïcode Straße"), "n-code-stra-e");
    }

    fn keys(urls: &[&str]) -> Vec<String> {
        urls.iter().map(|u| page_key(u)).collect()
    }

    #[test]
    fn a_page_is_its_path_and_query_wherever_it_was_served() {
        assert_eq!(page_key("http://127.0.0.1:41234/"), "/");
        assert_eq!(page_key("http://127.0.0.1:41999/"), "/");
        assert_eq!(page_key("https://Example.com"), "/");
        assert_eq!(page_key("https://a.example/p?x=1#top"), "/p?x=1");
        assert_eq!(page_key(" not a url "), "not a url");
        assert_eq!(
            origin("http://127.0.0.1:41234/a").as_deref(),
            Some("http://127.0.0.1:41234")
        );
        assert_eq!(origin("not a url"), None);
    }

    #[test]
    fn labels_pages_by_path_then_query() {
        assert_eq!(
            url_labels(&keys(&[
                "https://example.com/",
                "https://example.com/blog/post-1/"
            ])),
            s(&["root", "blog-post-1"])
        );
        assert_eq!(
            url_labels(&keys(&[
                "https://a.example/p?x=1",
                "https://a.example/p?x=2",
                "https://a.example/q"
            ])),
            s(&["p-x-1", "p-x-2", "q"])
        );
        // Different paths whose slugs collide (case): numbered.
        assert_eq!(
            url_labels(&keys(&["https://a.example/P", "https://a.example/p"])),
            s(&["p", "p-2"])
        );
        // No host or port in any label.
        assert_eq!(
            url_labels(&keys(&[
                "http://127.0.0.1:8081/a",
                "http://10.0.0.1:8082/b"
            ])),
            s(&["a", "b"])
        );
        assert_eq!(url_labels(&keys(&["not a url"])), s(&["not-a-url"]));
    }

    #[test]
    fn step_slugs_are_unique_within_a_flow() {
        assert_eq!(
            unique_step_slugs(&s(&["Navigate", "navigate", "", "Navigate-2"])),
            s(&["navigate", "navigate-3", "step-3", "navigate-2"])
        );
    }
}
