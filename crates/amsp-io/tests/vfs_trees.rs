//! File trees (folder, zip, embedded): what they serve, the names that try
//! to leave them (`traversal` tests), and damaged archives.

use std::fs;
use std::io::{Cursor, Write};
use std::path::Path;

use amsp_core::AssetPath;
use amsp_io::vfs::{EmbeddedTree, FileTree, FolderTree, TreeError, ZipTree};
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

/// Names that must never reach a file outside the tree.
const ESCAPES: &[&str] = &[
    "../secret.txt",
    "a/../../secret.txt",
    "/etc/passwd",
    "/secret.txt",
    "C:/secret.txt",
    "C:secret.txt",
    "..\\secret.txt",
    "a\\..\\..\\secret.txt",
    "\\\\server\\share\\secret.txt",
    "a/\0/secret.txt",
    "secret.txt\0.png",
    "",
];

fn assert_refuses_every_escape(tree: &dyn FileTree) {
    for name in ESCAPES {
        match tree.read_name(name) {
            Err(TreeError::BadName { name: given, tree: t, .. }) => {
                assert_eq!(&given, name);
                assert_eq!(t, tree.name());
            }
            other => panic!("{}: {name:?} gave {other:?}", tree.name()),
        }
    }
}

/// A folder `root` inside `dir`, with `secret.txt` next to it (outside).
fn folder(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("root");
    fs::create_dir_all(root.join("tex")).unwrap();
    fs::write(dir.join("secret.txt"), b"outside").unwrap();
    fs::write(root.join("tex/a.png"), b"png bytes").unwrap();
    fs::write(root.join("readme.txt"), b"inside").unwrap();
    root
}

#[test]
fn traversal_folder_refuses_names_and_links_that_leave_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = folder(dir.path());
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(dir.path().join("secret.txt"), root.join("link-out.txt")).unwrap();
        symlink(dir.path(), root.join("dir-out")).unwrap();
        symlink(root.join("readme.txt"), root.join("tex/link-in.txt")).unwrap();
    }
    let tree = FolderTree::open(&root).unwrap();
    assert_refuses_every_escape(&tree);
    assert_eq!(tree.read_name("tex/a.png").unwrap(), b"png bytes");
    assert_eq!(tree.read_name("./tex//a.png").unwrap(), b"png bytes");
    assert!(matches!(tree.read_name("tex/none.png"), Err(TreeError::NotFound { .. })));
    assert!(
        matches!(tree.read_name("tex"), Err(TreeError::NotFound { .. })),
        "a folder is no file"
    );

    #[cfg(unix)]
    {
        for name in ["link-out.txt", "dir-out/secret.txt", "dir-out/root/readme.txt"] {
            match tree.read_name(name) {
                // dir-out/root/readme.txt leads back inside: it is served.
                Ok(bytes) if name == "dir-out/root/readme.txt" => assert_eq!(bytes, b"inside"),
                Err(TreeError::Escapes { path, target, .. }) => {
                    assert_eq!(path.as_str(), name);
                    let target = target.unwrap();
                    assert!(!target.starts_with(tree.root().to_str().unwrap()), "{target}");
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        // A link to a file inside the folder is followed.
        assert_eq!(tree.read_name("tex/link-in.txt").unwrap(), b"inside");
    }

    let listing = tree.list().unwrap();
    let files: Vec<&str> = listing.files.iter().map(|f| f.path.as_str()).collect();
    #[cfg(unix)]
    {
        assert_eq!(files, ["readme.txt", "tex/a.png", "tex/link-in.txt"]);
        // Both links out of the folder are reported, the file and the folder.
        let mut out: Vec<&str> = listing
            .rejected
            .iter()
            .map(|e| match e {
                TreeError::Escapes { path, .. } => path.as_str(),
                other => panic!("{other:?}"),
            })
            .collect();
        out.sort_unstable();
        assert_eq!(out, ["dir-out", "link-out.txt"]);
    }
    #[cfg(not(unix))]
    assert_eq!(files, ["readme.txt", "tex/a.png"]);
    assert_eq!(listing.files[0].size, 6);
}

#[test]
fn traversal_folder_checks_sizes_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let root = folder(dir.path());
    let tree = FolderTree::open(&root).unwrap().with_max_file_size(8);
    assert_eq!(tree.read_name("readme.txt").unwrap(), b"inside");
    match tree.read_name("tex/a.png") {
        Err(TreeError::TooLarge { size: 9, limit: 8, path, .. }) => {
            assert_eq!(path.as_str(), "tex/a.png")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(FolderTree::open(dir.path().join("none")), Err(TreeError::Io { .. })));
}

/// A zip holding good entries and every kind of escaping name.
fn evil_zip() -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default();
    zip.start_file("tex/a.png", options).unwrap();
    zip.write_all(b"png bytes").unwrap();
    zip.start_file("data/table.ron", options).unwrap();
    zip.write_all(&b"(rows: [])".repeat(100)).unwrap();
    for name in ["../evil.txt", "/abs.txt", "ok/../../evil.txt", "C:/evil.txt", "nul\0.txt"] {
        zip.start_file(name, options).unwrap();
        zip.write_all(b"evil").unwrap();
    }
    zip.add_symlink("tex/link.png", "../../../etc/passwd", options).unwrap();
    zip.add_directory("empty/", options).unwrap();
    zip.finish().unwrap().into_inner()
}

#[test]
fn traversal_zip_refuses_entries_that_could_leave_it() {
    let tree = ZipTree::from_bytes("zip evil", evil_zip()).unwrap();
    assert_refuses_every_escape(&tree);
    let listing = tree.list().unwrap();
    let files: Vec<&str> = listing.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(files, ["data/table.ron", "tex/a.png"]);
    assert_eq!(listing.files[0].size, 1000);
    assert_eq!(listing.rejected.len(), 6, "{:#?}", listing.rejected);
    let bad_names =
        listing.rejected.iter().filter(|e| matches!(e, TreeError::BadName { .. })).count();
    assert_eq!(bad_names, 5);
    assert!(
        listing.rejected.iter().any(
            |e| matches!(e, TreeError::Escapes { path, .. } if path.as_str() == "tex/link.png")
        )
    );
    assert!(matches!(tree.read_name("tex/link.png"), Err(TreeError::NotFound { .. })));
    assert_eq!(tree.read_name("tex/a.png").unwrap(), b"png bytes");
    assert_eq!(tree.read(&AssetPath::new("data/table.ron").unwrap()).unwrap().len(), 1000);
}

#[test]
fn zip_damage_is_reported_never_served() {
    let good = evil_zip();
    // A flipped byte inside the stored data of tex/a.png (stored or
    // deflated, its CRC no longer matches).
    let at = good.windows(9).position(|w| w == b"png bytes");
    let mut damaged = good.clone();
    match at {
        Some(at) => damaged[at + 2] ^= 0x20,
        None => {
            // Deflated: damage the first entry's data just after its local
            // header (30 bytes + the name).
            damaged[30 + "tex/a.png".len() + 1] ^= 0x55;
        }
    }
    let tree = ZipTree::from_bytes("zip damaged", damaged).unwrap();
    match tree.read_name("tex/a.png") {
        Err(TreeError::Corrupt { path, .. }) => assert_eq!(path, "tex/a.png"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert_eq!(tree.read_name("data/table.ron").unwrap().len(), 1000, "others still read");

    // Truncated archives and garbage: an error at open, never a panic.
    for len in [0, 4, 22, good.len() / 2, good.len() - 1] {
        let result = ZipTree::from_bytes("zip cut", good[..len].to_vec());
        assert!(matches!(result, Err(TreeError::Corrupt { .. })), "{len}: {result:?}");
    }
    let limited = ZipTree::from_bytes("zip", good).unwrap().with_max_file_size(100);
    assert!(matches!(
        limited.read_name("data/table.ron"),
        Err(TreeError::TooLarge { size: 1000, limit: 100, .. })
    ));
}

#[test]
fn zip_files_open_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mod.zip");
    fs::write(&path, evil_zip()).unwrap();
    let tree = ZipTree::open(&path).unwrap();
    assert!(tree.name().contains("mod.zip"));
    assert_eq!(tree.read_name("tex/a.png").unwrap(), b"png bytes");
    assert!(matches!(ZipTree::open(dir.path().join("none.zip")), Err(TreeError::Io { .. })));
}

#[test]
fn traversal_embedded_refuses_bad_names() {
    static FILES: &[(&str, &[u8])] = &[
        ("shaders/placeholder.wgsl", b"fn main() {}"),
        ("../up.txt", b"x"),
        ("/abs.txt", b"x"),
        ("a\\b.txt", b"backslash"),
    ];
    let tree = EmbeddedTree::new("embedded", FILES);
    assert_refuses_every_escape(&tree);
    let listing = tree.list().unwrap();
    assert_eq!(listing.files.len(), 2);
    assert_eq!(listing.rejected.len(), 2);
    assert_eq!(tree.read_name("a/b.txt").unwrap(), b"backslash");
    assert_eq!(tree.read_name("shaders/placeholder.wgsl").unwrap(), b"fn main() {}");
}
