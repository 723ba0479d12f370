//! Page labels: the `<page-label>` part of `lighthouse/<name>/<page-label>/<audit>` when one
//! import holds several pages (a Lighthouse CI folder with several URLs) or a user flow (one label
//! a step).
//!
//! A page's label is its URL path made safe for metric ids and budget globs: lower case, runs of
//! characters other than `a-z 0-9 . _` become one `-`, slashes too (`/blog/post-1/` →
//! `blog-post-1`, `/index.html` → `index.html`), and the root path `/` is `root`. Pages whose
//! paths give the same label (the same path on two hosts or ports) are labelled by host, port
//! and path instead (`127.0.0.1-8081`, `staging.example.com-blog`), then by query, and as a
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

struct UrlParts {
    host: String,
    path: String,
    query: String,
}

fn url_parts(url: &str) -> UrlParts {
    match url::Url::parse(url) {
        Ok(u) => UrlParts {
            host: match u.port() {
                Some(p) => format!("{}-{p}", slug(u.host_str().unwrap_or(""))),
                None => slug(u.host_str().unwrap_or("")),
            },
            path: slug(u.path()),
            query: slug(u.query().unwrap_or("")),
        },
        // Not a URL (an LHR from a file:// test or a hand-edited report): use it whole.
        Err(_) => UrlParts {
            host: String::new(),
            path: slug(url),
            query: String::new(),
        },
    }
}

fn join(parts: &[&str]) -> String {
    let kept: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    if kept.is_empty() {
        "root".to_string()
    } else {
        kept.join("-")
    }
}

/// Labels for pages identified by URL, in the order given, all distinct.
pub(super) fn url_labels(urls: &[String]) -> Vec<String> {
    let parts: Vec<UrlParts> = urls.iter().map(|u| url_parts(u)).collect();
    let mut labels: Vec<String> = parts.iter().map(|p| join(&[&p.path])).collect();
    let refine: [&dyn Fn(&UrlParts) -> String; 2] = [&|p| join(&[&p.host, &p.path]), &|p| {
        join(&[&p.host, &p.path, &p.query])
    }];
    for step in refine {
        let dupes = duplicated(&labels);
        if dupes.is_empty() {
            break;
        }
        for (i, p) in parts.iter().enumerate() {
            if dupes.contains(&labels[i]) {
                labels[i] = step(p);
            }
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

    #[test]
    fn labels_pages_by_path_then_host_then_query() {
        assert_eq!(
            url_labels(&s(&[
                "https://example.com/",
                "https://example.com/blog/post-1/"
            ])),
            s(&["root", "blog-post-1"])
        );
        assert_eq!(
            url_labels(&s(&["http://127.0.0.1:8081/", "http://127.0.0.1:8082/"])),
            s(&["127.0.0.1-8081", "127.0.0.1-8082"])
        );
        assert_eq!(
            url_labels(&s(&[
                "https://a.example/p?x=1",
                "https://a.example/p?x=2",
                "https://a.example/q"
            ])),
            s(&["a.example-p-x-1", "a.example-p-x-2", "q"])
        );
        // Same path and query on the same host differ only in case or fragment: numbered.
        assert_eq!(
            url_labels(&s(&["https://a.example/P", "https://a.example/p"])),
            s(&["a.example-p", "a.example-p-2"])
        );
        assert_eq!(url_labels(&s(&["not a url"])), s(&["not-a-url"]));
    }

    #[test]
    fn step_slugs_are_unique_within_a_flow() {
        assert_eq!(
            unique_step_slugs(&s(&["Navigate", "navigate", "", "Navigate-2"])),
            s(&["navigate", "navigate-3", "step-3", "navigate-2"])
        );
    }
}
