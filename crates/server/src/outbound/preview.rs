//! Link previews (`get_url_info`): fetch a page and read its title, description and
//! preview image from the HTML head (Open Graph tags first, then `<title>` and the
//! description meta tag).
//!
//! The page is read up to the end of its head or the policy's byte cap, then tokenized by
//! `lol_html` (a streaming HTML5 tokenizer: tags inside comments, scripts and styles are not
//! tags, and no input makes it do more than linear work) on a blocking thread, so a hostile
//! page costs one bounded piece of CPU off the async workers, one page at a time. At most
//! 32 previews are fetched at once in the whole server.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::AtomicUsize;

use lol_html::{element, text, HtmlRewriter, Settings};
use protocol::{ErrorPayload, ErrorType, UrlInfo};
use reqwest::{Method, Url};

use super::{describe, error, parse_url, read_body, send, unreachable_page, Slot, UrlPolicy};

/// The most previews fetched at once by the whole server. Each one holds a socket and up
/// to `max_bytes` of memory, and a visitor can ask for many in a row.
const MAX_CONCURRENT_FETCHES: usize = 32;

/// The longest title or description kept, in characters.
const MAX_TEXT_CHARS: usize = 300;

/// Fetches `url` under `policy` and reads its preview.
pub(crate) async fn fetch(url: &str, policy: &UrlPolicy) -> Result<UrlInfo, ErrorPayload> {
    static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
    let url = parse_url(url).map_err(|problem| error(ErrorType::Validation, problem))?;
    let _slot = Slot::take(&IN_FLIGHT, MAX_CONCURRENT_FETCHES).ok_or_else(|| {
        error(ErrorType::ServiceUnavailable, "too many link previews are being fetched; try again later")
    })?;
    // The deadline covers the wait for a turn at reading the page too: when many previews
    // arrive at once, the late ones time out instead of queueing without end.
    let work = async {
        let (page, html) = fetch_page(url, policy).await?;
        // One page is tokenized at a time, so however many previews arrive together, reading
        // them takes at most one core and the async workers keep the rest.
        static PARSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
        let _parsing = PARSING.acquire().await.map_err(|_| error(ErrorType::Internal, "reading the page failed"))?;
        tokio::task::spawn_blocking(move || preview(&page, &html))
            .await
            .map_err(|_| error(ErrorType::Internal, "reading the page failed"))
    };
    match tokio::time::timeout(policy.timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(error(ErrorType::RequestTimeout, format!("the page did not answer within {}", describe(policy.timeout)))),
    }
}

/// Follows redirects (each hop checked like the first) until a page arrives; returns its
/// final URL and its text.
async fn fetch_page(mut url: Url, policy: &UrlPolicy) -> Result<(Url, String), ErrorPayload> {
    let headers = [("accept", "text/html"), ("accept-encoding", "identity")];
    for redirects in 0..=policy.max_redirects {
        let mut response = send(Method::GET, &url, &headers, Vec::new(), policy).await?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|location| location.to_str().ok())
                .ok_or_else(|| unreachable_page("the page redirects without a Location"))?;
            let next = url.join(location).map_err(|problem| unreachable_page(format!("the page redirects to a bad URL: {problem}")))?;
            url = parse_url(next.as_str()).map_err(|problem| unreachable_page(format!("the page redirects to {problem}")))?;
            if redirects == policy.max_redirects {
                break;
            }
            continue;
        }
        if !status.is_success() {
            return Err(unreachable_page(format!("the page answered HTTP {}", status.as_u16())));
        }
        let content_type =
            response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).map(str::to_owned);
        if let Some(content_type) = &content_type {
            let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if media != "text/html" && media != "application/xhtml+xml" {
                return Err(error(ErrorType::Validation, format!("not an HTML page (it is {media})")));
            }
        }
        let body = read_body(&mut response, policy.max_bytes, true).await?;
        if content_type.is_none() && !looks_like_html(&body) {
            return Err(error(ErrorType::Validation, "not an HTML page"));
        }
        // A fragment names a place in the page, not the page.
        url.set_fragment(None);
        return Ok((url, super::decode_text(&body, content_type.as_deref())));
    }
    Err(error(ErrorType::LimitReached, format!("the page redirects more than {} times", policy.max_redirects)))
}

/// Whether an untyped body starts like an HTML document.
fn looks_like_html(body: &[u8]) -> bool {
    let start = &body[..body.len().min(1024)];
    let start = start.strip_prefix(b"\xef\xbb\xbf").unwrap_or(start);
    let start = start.trim_ascii_start();
    [&b"<!doctype html"[..], b"<html", b"<head", b"<title", b"<meta", b"<!--"]
        .iter()
        .any(|prefix| start.len() >= prefix.len() && start[..prefix.len()].eq_ignore_ascii_case(prefix))
}

/// What the HTML head says, as raw text (entities not yet decoded).
#[derive(Debug, Default, PartialEq)]
struct Head {
    title: Option<String>,
    description: Option<String>,
    og_title: Option<String>,
    og_description: Option<String>,
    og_image: Option<String>,
    og_image_width: Option<String>,
    og_image_height: Option<String>,
}

/// Reads `<title>` and `<meta>` tags up to the start of the body. The first occurrence of
/// each wins.
fn parse_head(html: &str) -> Head {
    let head = Rc::new(RefCell::new(Head::default()));
    let title = Rc::new(RefCell::new(None::<String>));
    let (metas, titles) = (head.clone(), title.clone());
    let settings = Settings::new()
        // The body ends the head: stop there (the error is the way to stop early).
        .append_element_content_handler(element!("body", |_| Err("the head ended".into())))
        .append_element_content_handler(element!("meta", move |tag| {
            let key = tag.get_attribute("property").or_else(|| tag.get_attribute("name")).unwrap_or_default().to_ascii_lowercase();
            let content = tag.get_attribute("content");
            let mut head = metas.borrow_mut();
            let slot = match key.as_str() {
                "og:title" => &mut head.og_title,
                "og:description" => &mut head.og_description,
                "og:image" | "og:image:url" => &mut head.og_image,
                "og:image:width" => &mut head.og_image_width,
                "og:image:height" => &mut head.og_image_height,
                "description" => &mut head.description,
                _ => return Ok(()),
            };
            if slot.is_none() {
                *slot = content;
            }
            Ok(())
        }))
        .append_element_content_handler(text!("title", move |chunk| {
            let mut title = titles.borrow_mut();
            let text = title.get_or_insert_with(String::new);
            // Keep a little more than is shown (entities and whitespace shrink), no more.
            let room = (4 * MAX_TEXT_CHARS).saturating_sub(text.len());
            text.extend(chunk.as_str().chars().scan(0, |taken, c| {
                *taken += c.len_utf8();
                (*taken <= room).then_some(c)
            }));
            Ok(())
        }));
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    // A malformed page or the start of the body both end the reading; what was read stands.
    if rewriter.write(html.as_bytes()).is_ok() {
        let _ = rewriter.end();
    }
    let mut parsed = head.take();
    parsed.title = title.take();
    parsed
}

/// The preview of a page fetched from `url`.
fn preview(url: &Url, html: &str) -> UrlInfo {
    let head = parse_head(html);
    let title = head.og_title.as_deref().and_then(clean).or_else(|| head.title.as_deref().and_then(clean));
    let description =
        head.og_description.as_deref().and_then(clean).or_else(|| head.description.as_deref().and_then(clean));
    // Only an http(s) image is shown: `javascript:` and `data:` addresses are dropped.
    let image = head
        .og_image
        .as_deref()
        .and_then(|raw| url.join(html_escape::decode_html_entities(raw).trim()).ok())
        .filter(|image| matches!(image.scheme(), "http" | "https"))
        .map(|image| image.to_string());
    let dimension =
        |raw: &Option<String>| image.as_ref().and(raw.as_deref()).and_then(|value| value.trim().parse::<u32>().ok());
    UrlInfo {
        url: url.to_string(),
        title,
        description,
        image_width: dimension(&head.og_image_width),
        image_height: dimension(&head.og_image_height),
        image_original_url: image.clone(),
        image_url: image,
    }
}

/// Decodes entities, collapses whitespace and caps the length; `None` when nothing is left.
fn clean(raw: &str) -> Option<String> {
    let text = html_escape::decode_html_entities(raw).split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return None;
    }
    if text.chars().count() <= MAX_TEXT_CHARS {
        return Some(text);
    }
    let mut capped: String = text.chars().take(MAX_TEXT_CHARS - 1).collect();
    capped.truncate(capped.trim_end().len());
    capped.push('…');
    Some(capped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_graph_tags_win_over_the_title_and_description() {
        let html = r#"<!DOCTYPE html>
            <html><head>
            <meta charset="utf-8">
            <title>  Plain   title </title>
            <META NAME="description" CONTENT="Plain description">
            <meta property="og:title" content="Tents &amp; Tarps &#8211; Acme">
            <meta property='og:description' content='Light &quot;ultra&quot; gear &#x2014; it&#39;s here'>
            <meta property=og:image content=/img/tent.png?w=1&amp;h=2>
            <meta property="og:image:width" content=" 1200 ">
            <meta property="og:image:height" content="630" />
            </head><body><meta property="og:title" content="not in the head"></body></html>"#;
        let info = preview(&Url::parse("http://shop.example/tents/").unwrap(), html);
        assert_eq!(info.url, "http://shop.example/tents/");
        assert_eq!(info.title.as_deref(), Some("Tents & Tarps – Acme"));
        assert_eq!(info.description.as_deref(), Some("Light \"ultra\" gear — it's here"));
        assert_eq!(info.image_url.as_deref(), Some("http://shop.example/img/tent.png?w=1&h=2"));
        assert_eq!(info.image_original_url, info.image_url);
        assert_eq!((info.image_width, info.image_height), (Some(1200), Some(630)));
    }

    #[test]
    fn the_plain_title_and_description_are_the_fallback() {
        let html = "<html><head><title>\n  Camping\tGear &lt;2025&gt;\n</title>\
                    <meta content=\"Everything &#65;&#x42;C\" name=\"description\"></head></html>";
        let info = preview(&Url::parse("http://shop.example/").unwrap(), html);
        assert_eq!(info.title.as_deref(), Some("Camping Gear <2025>"));
        assert_eq!(info.description.as_deref(), Some("Everything ABC"));
        assert_eq!((info.image_url, info.image_width), (None, None), "no size without an image");
    }

    #[test]
    fn tags_inside_comments_scripts_and_styles_are_ignored() {
        let html = r#"<head><!-- <title>commented</title> -->
            <script>document.write("<title>scripted</title><meta property='og:title' content='x'>")</script>
            <style>/* <title>styled</title> */</style>
            <title>Real</title></head>"#;
        assert_eq!(parse_head(html).title.as_deref(), Some("Real"));
        assert_eq!(parse_head(html).og_title, None);
    }

    #[test]
    fn only_web_images_are_kept() {
        for image in ["javascript:alert(1)", "data:image/png;base64,AAAA"] {
            let html = format!("<head><meta property=og:image content=\"{image}\"></head>");
            assert_eq!(preview(&Url::parse("http://shop.example/").unwrap(), &html).image_url, None, "{image}");
        }
    }

    #[test]
    fn text_is_capped_and_blank_text_is_dropped() {
        let long = "word ".repeat(100);
        let capped = clean(&long).unwrap();
        assert_eq!(capped.chars().count(), MAX_TEXT_CHARS);
        assert!(capped.ends_with("word…"), "{capped}");
        assert_eq!(clean(&"é".repeat(300)).unwrap().chars().count(), 300);
        assert_eq!(clean(" \n&nbsp; "), None);
    }

    #[test]
    fn hostile_markup_costs_linear_work_and_never_panics() {
        let pages = [
            "<".repeat(1 << 20),
            "<!--".repeat(1 << 18),
            format!("<head><meta {}>", "a=\"b\" ".repeat(1 << 16)),
            format!("<title>{}", "x".repeat(1 << 20)),
            "<title>open".to_owned(),
            "<meta content=\"x".to_owned(),
            "<é <meta é=é>".to_owned(),
        ];
        for page in pages {
            let head = parse_head(&page);
            assert!(head.title.as_ref().is_none_or(|title| title.len() <= 4 * MAX_TEXT_CHARS + 4096), "the title is capped while read");
        }
    }

    #[test]
    fn untyped_bodies_are_sniffed_and_charsets_are_honoured() {
        assert!(looks_like_html(b"\xef\xbb\xbf  <!DOCTYPE html><html>"));
        assert!(!looks_like_html(b"%PDF-1.7"));
        assert_eq!(super::super::decode_text(b"caf\xe9", Some("text/html; charset=ISO-8859-1")), "café");
        assert_eq!(super::super::decode_text("café".as_bytes(), Some("text/html")), "café");
        assert_eq!(super::super::decode_text(b"caf\xc3", None), "caf\u{fffd}");
    }
}
