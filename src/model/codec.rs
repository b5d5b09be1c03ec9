//! The wire format of every server function's result (and of its errors):
//! JSON, exactly as `server_fn`'s own `Json`, but decoded from a `&str`.
//!
//! The browser also decodes each resource's value from the page (hydration),
//! and Leptos does that with `serde_json::from_str`; `server_fn`'s `Json`
//! decodes responses with `serde_json::from_slice`. Those are two readers, so
//! every view type's deserializer was compiled into the wasm twice. With one
//! reader for both, each is compiled once (see `bench/size`).
use leptos::server_fn::{codec::Post, Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::{de::DeserializeOwned, Serialize};

/// JSON in the body, decoded as text.
pub struct JsonText;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = String;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(|e| e.to_string())?;
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

/// The output encoding every `#[server]` function names:
/// `#[server(output = crate::model::codec::Json)]`.
pub type Json = Post<JsonText>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AppError;

    #[test]
    fn round_trips_values_and_errors() {
        let v = vec![("a".to_string(), 1u32)];
        let bytes = <JsonText as Encodes<_>>::encode(&v).unwrap();
        assert_eq!(&bytes[..], br#"[["a",1]]"#);
        let back: Vec<(String, u32)> = <JsonText as Decodes<_>>::decode(bytes).unwrap();
        assert_eq!(back, v);
        let err = AppError::field("name", "Too long.");
        let bytes = <JsonText as Encodes<_>>::encode(&err).unwrap();
        let back: AppError = <JsonText as Decodes<_>>::decode(bytes).unwrap();
        assert_eq!(back, err);
        let bad = <JsonText as Decodes<Vec<u32>>>::decode(Bytes::from_static(b"[1,"));
        assert!(bad.is_err());
        let not_text = <JsonText as Decodes<Vec<u32>>>::decode(Bytes::from_static(b"\xff"));
        assert!(not_text.is_err());
    }

    /// A server function added with plain `#[server]` would bring the second
    /// reader back into the wasm (and nothing else would notice).
    #[test]
    fn every_server_function_names_this_codec() {
        fn visit(dir: &std::path::Path, found: &mut Vec<String>, count: &mut usize) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    visit(&path, found, count);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (n, line) in text.lines().enumerate() {
                        let line = line.trim();
                        if !line.starts_with("#[server") || line.starts_with("#[server(flatten)]") {
                            continue;
                        }
                        *count += 1;
                        if line != "#[server(output = crate::model::codec::Json)]" {
                            found.push(format!("{}:{}: {line}", path.display(), n + 1));
                        }
                    }
                }
            }
        }
        let (mut found, mut count) = (Vec::new(), 0);
        visit(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
            &mut count,
        );
        assert!(count > 40, "found only {count} server functions");
        assert!(
            found.is_empty(),
            "server functions without the text codec:\n{}",
            found.join("\n")
        );
    }
}
