//! Normalised asset paths.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A normalised path of an asset relative to the root of its asset tree.
///
/// Separators are `/` (a `\` is read as a separator), `.` segments and empty
/// segments are dropped. A path that is empty, absolute (`/x`, `C:x`), contains
/// `..`, a NUL byte or another control character is rejected, so an
/// [`AssetPath`] can never name a file outside the tree it is resolved in.
///
/// The text after the last `#` of the last segment is a *label* when it has
/// no `.`: `models/duck.glb#mesh0` names the sub-asset `mesh0` cooked from
/// the source `models/duck.glb` (see [`label`](Self::label)), while
/// `bugs/issue#403.png` is a plain path.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AssetPath(String);

/// Why a path is not a valid [`AssetPath`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// Nothing is left after normalisation.
    #[error("asset path {path:?} is empty")]
    Empty {
        /// The path as given.
        path: String,
    },
    /// The path is absolute or carries a drive prefix.
    #[error("asset path {path:?} is absolute; asset paths are relative to their tree")]
    Absolute {
        /// The path as given.
        path: String,
    },
    /// The path has a `..` segment.
    #[error("asset path {path:?} contains '..', which could escape the asset tree")]
    ParentSegment {
        /// The path as given.
        path: String,
    },
    /// The path has a NUL byte or another control character.
    #[error("asset path {path:?} contains a control character")]
    ControlCharacter {
        /// The path as given.
        path: String,
    },
    /// A sub-asset label is empty or has a separator, `#`, `.` or a control
    /// character.
    #[error(
        "sub-asset label {label:?} is empty or contains '/', '\\', '#', '.' or a control character"
    )]
    BadLabel {
        /// The label as given.
        label: String,
    },
}

impl AssetPath {
    /// Normalises and validates `path`.
    ///
    /// # Errors
    /// Returns a [`PathError`] for empty, absolute or escaping paths and for
    /// paths with control characters.
    pub fn new(path: &str) -> Result<Self, PathError> {
        if is_normal_ascii(path) {
            return Ok(Self(path.to_owned()));
        }
        let owned = || path.to_owned();
        if path.chars().any(char::is_control) {
            return Err(PathError::ControlCharacter { path: owned() });
        }
        if path.starts_with('/') || path.starts_with('\\') || has_drive_prefix(path) {
            return Err(PathError::Absolute { path: owned() });
        }
        let mut out = String::with_capacity(path.len());
        for segment in path.split(['/', '\\']) {
            match segment {
                "" | "." => {}
                ".." => return Err(PathError::ParentSegment { path: owned() }),
                seg => {
                    if !out.is_empty() {
                        out.push('/');
                    }
                    out.push_str(seg);
                }
            }
        }
        if out.is_empty() {
            return Err(PathError::Empty { path: owned() });
        }
        Ok(Self(out))
    }

    /// The normalised path text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lowercase extension after the last `.` of the file name (its
    /// label left out), if any.
    ///
    /// For `a/b.prefab.ron` this is `ron`; see [`AssetPath::full_extension`].
    #[must_use]
    pub fn extension(&self) -> Option<String> {
        let name = self.unlabelled_name();
        let (stem, ext) = name.rsplit_once('.')?;
        (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
    }

    /// The lowercase text after the first `.` of the file name (`prefab.ron`
    /// for `a/b.prefab.ron`), if any.
    #[must_use]
    pub fn full_extension(&self) -> Option<String> {
        let name = self.unlabelled_name();
        let (stem, ext) = name.split_once('.')?;
        (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
    }

    /// The last segment of the path.
    #[must_use]
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// The sub-asset label: the text after the last `#` of the last
    /// segment, when it is not empty and has no `.` (`mesh0` for
    /// `models/duck.glb#mesh0`; none for `issue#403.png`).
    #[must_use]
    pub fn label(&self) -> Option<&str> {
        let (_, label) = self.file_name().rsplit_once('#')?;
        (!label.is_empty() && !label.contains('.')).then_some(label)
    }

    /// The path of the source a labelled path belongs to
    /// (`models/duck.glb` for `models/duck.glb#mesh0`); the path itself when
    /// it has no label.
    #[must_use]
    pub fn without_label(&self) -> AssetPath {
        match self.label() {
            Some(label) => Self(self.0[..self.0.len() - label.len() - 1].to_owned()),
            None => self.clone(),
        }
    }

    /// The path of the sub-asset `label` of this path's source.
    ///
    /// # Errors
    /// [`PathError::BadLabel`] for an empty label or one with `/`, `\`, `#`
    /// or a control character.
    pub fn with_label(&self, label: &str) -> Result<AssetPath, PathError> {
        if label.is_empty()
            || label.chars().any(|c| c.is_control() || matches!(c, '/' | '\\' | '#' | '.'))
        {
            return Err(PathError::BadLabel { label: label.to_owned() });
        }
        let source = self.without_label();
        Ok(Self(format!("{}#{label}", source.0)))
    }

    /// The last segment without its label.
    fn unlabelled_name(&self) -> &str {
        let name = self.file_name();
        match self.label() {
            Some(label) => &name[..name.len() - label.len() - 1],
            None => name,
        }
    }
}

/// Whether `path` is ASCII and already normal, so that [`AssetPath::new`]
/// can take it as it is: one pass over the bytes, no segment rebuilding.
fn is_normal_ascii(path: &str) -> bool {
    let bytes = path.as_bytes();
    if bytes.is_empty() || bytes[0] == b'/' || has_drive_prefix(path) {
        return false;
    }
    let mut segment_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !(0x20..0x7f).contains(&b) || b == b'\\' {
            return false;
        }
        if b == b'/' {
            if !is_plain_segment(&bytes[segment_start..i]) {
                return false;
            }
            segment_start = i + 1;
        }
    }
    is_plain_segment(&bytes[segment_start..])
}

/// A segment that normalisation keeps as it is: not empty, `.` or `..`.
fn is_plain_segment(segment: &[u8]) -> bool {
    !matches!(segment, b"" | b"." | b"..")
}

fn has_drive_prefix(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

impl fmt::Display for AssetPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AssetPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AssetPath({:?})", self.0)
    }
}

impl AsRef<str> for AssetPath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for AssetPath {
    type Error = PathError;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl Serialize for AssetPath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AssetPath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_and_normalisation_cases() {
        let ok = [
            ("a/b.png", "a/b.png"),
            ("a\\b.png", "a/b.png"),
            ("./a//b/./c.bin", "a/b/c.bin"),
            ("a/", "a"),
            ("dir.with.dots/file", "dir.with.dots/file"),
        ];
        for (input, expected) in ok {
            assert_eq!(AssetPath::new(input).unwrap().as_str(), expected, "{input:?}");
        }
        let bad = [
            ("", "empty"),
            (".", "empty"),
            ("/etc/passwd", "absolute"),
            ("\\\\server\\share", "absolute"),
            ("C:\\x", "absolute"),
            ("c:x", "absolute"),
            ("a/../../b", "parent"),
            ("..", "parent"),
            ("a\\..\\b", "parent"),
            ("a\0b", "control"),
            ("a\nb", "control"),
        ];
        for (input, why) in bad {
            let err = AssetPath::new(input).expect_err(input);
            let matches = match why {
                "empty" => matches!(err, PathError::Empty { .. }),
                "absolute" => matches!(err, PathError::Absolute { .. }),
                "parent" => matches!(err, PathError::ParentSegment { .. }),
                _ => matches!(err, PathError::ControlCharacter { .. }),
            };
            assert!(matches, "{input:?} gave {err:?}, expected {why}");
        }
    }

    #[test]
    fn fast_path_agrees_with_full_normalisation() {
        let cases = [
            "a",
            "a/b.png",
            "a/b/c",
            "a//b",
            "a/",
            "./a",
            "a/./b",
            "a/..",
            "../a",
            "/a",
            "a\\b",
            "C:x",
            "a\u{7f}b",
            "é/a",
            "a/\u{85}",
            ".hidden/x",
            "a/.b",
            "a..b/c",
            "...",
            "",
        ];
        for case in cases {
            let fast = is_normal_ascii(case);
            let full = AssetPath::new(case);
            if fast {
                assert_eq!(full.as_ref().map(AssetPath::as_str), Ok(case), "{case:?}");
            }
            // Everything the fast path refuses still gets the full treatment.
            let expected_ok =
                !matches!(case, "" | "a/.." | "../a" | "/a" | "C:x" | "a\u{7f}b" | "a/\u{85}");
            assert_eq!(full.is_ok(), expected_ok, "{case:?}: {full:?}");
        }
    }

    #[test]
    fn extensions() {
        let p = AssetPath::new("x/crate.prefab.RON").unwrap();
        assert_eq!(p.extension().as_deref(), Some("ron"));
        assert_eq!(p.full_extension().as_deref(), Some("prefab.ron"));
        assert_eq!(p.file_name(), "crate.prefab.RON");
        assert_eq!(AssetPath::new(".hidden").unwrap().extension(), None);
        assert_eq!(AssetPath::new("README").unwrap().extension(), None);
    }

    #[test]
    fn labels() {
        let source = AssetPath::new("m/duck.glb").unwrap();
        assert_eq!(source.label(), None);
        let mesh = source.with_label("mesh0").unwrap();
        assert_eq!(mesh.as_str(), "m/duck.glb#mesh0");
        assert_eq!(mesh.label(), Some("mesh0"));
        assert_eq!(mesh.extension().as_deref(), Some("glb"));
        assert_eq!(mesh.without_label(), source);
        assert_eq!(mesh.with_label("material1").unwrap().as_str(), "m/duck.glb#material1");
        // A '#' in a folder name is not a label.
        let folder = AssetPath::new("a#b/c.png").unwrap();
        assert_eq!(folder.label(), None);
        assert_eq!(folder.without_label(), folder);
        let hashed = AssetPath::new("bugs/issue#403.png").unwrap();
        assert_eq!((hashed.label(), hashed.extension().as_deref()), (None, Some("png")));
        let twice = AssetPath::new("a#b.glb#mesh1").unwrap();
        assert_eq!(twice.label(), Some("mesh1"));
        assert_eq!(twice.without_label().as_str(), "a#b.glb");
        for bad in ["", "a/b", "a#b", "a.b", "a\nb", "a\\b"] {
            assert!(matches!(source.with_label(bad), Err(PathError::BadLabel { .. })), "{bad:?}");
        }
    }
}
