//! Writing packs and reading them back.

mod common;

use std::fs;

use amsp_core::{AssetId, Codec};
use amsp_pack::{
    FORMAT_VERSION, PackReadError, PackReader, PackWriteError, PackWriter, PreparedEntry,
    ReadLimits, WriteOptions, content_hash,
};
use common::{
    Spec, VERSION_AT, compressible, incompressible, reseal, small_specs, write_pack, write_u32,
};

fn id(value: u128) -> AssetId {
    AssetId::from_u128(value)
}

#[test]
fn every_entry_and_chunk_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.amsp");
    let specs = small_specs();
    let summary = write_pack(&path, 64, &specs);
    let pack = PackReader::open(&path).unwrap();

    assert_eq!(pack.path(), path);
    assert_eq!(pack.alignment(), 64);
    assert_eq!(pack.uuid(), summary.uuid);
    assert_eq!(pack.file_len(), fs::metadata(&path).unwrap().len());
    assert_eq!(pack.file_len(), summary.file_len);
    assert_eq!(pack.entries().len(), specs.len());
    // TOC order is by id, whatever the write order; the summary follows it.
    let ids: Vec<_> = pack.entries().iter().map(|e| e.id).collect();
    assert_eq!(ids, [id(10), id(20), id(30), id(40)]);
    for (entry, summary) in pack.entries().iter().zip(&summary.entries) {
        assert_eq!(entry.id, summary.id);
        assert_eq!(entry.content_hash, summary.content_hash);
        assert_eq!(entry.raw_size, summary.raw_size);
        assert_eq!(entry.stored_size, summary.stored_size);
        assert_eq!(entry.chunk_count, summary.chunk_count);
    }

    let mut buf = Vec::new();
    for spec in &specs {
        let index = pack.find(spec.id).unwrap();
        let info = pack.entries()[index];
        assert_eq!(info.content_hash, content_hash(&spec.chunk_refs()));
        assert_eq!(info.raw_size, spec.concatenated().len() as u64);
        assert_eq!(pack.read_entry(index).unwrap(), spec.concatenated());
        assert_eq!(pack.chunks(index).len(), spec.chunks.len());
        for (c, raw) in (0u32..).zip(&spec.chunks) {
            pack.read_chunk(index, c, &mut buf).unwrap();
            assert_eq!(&buf, raw, "entry {} chunk {c}", spec.id);
        }
    }
    let report = pack.verify().unwrap();
    assert_eq!(report.entries, 4);
    assert_eq!(report.chunks, 6);
    assert_eq!(report.raw_bytes, specs.iter().map(|s| s.concatenated().len() as u64).sum());
}

#[test]
fn one_chunk_of_a_multi_chunk_entry_reads_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mips.amsp");
    let mips = [compressible(64 * 1024, 1), compressible(16 * 1024, 2), compressible(4096, 3)];
    let refs: Vec<&[u8]> = mips.iter().map(Vec::as_slice).collect();
    let mut writer = PackWriter::create(&path, WriteOptions::default()).unwrap();
    let summary = writer.add_entry(id(7), &refs, Codec::Zstd).unwrap();
    assert_eq!(summary.chunk_count, 3);
    assert_eq!(summary.codec, Codec::Zstd);
    writer.finish().unwrap();

    let pack = PackReader::open(&path).unwrap();
    let chunks = pack.chunks(0);
    // Chunks of one entry are contiguous and compressed independently.
    assert_eq!(chunks[0].offset % 4096, 0);
    assert_eq!(chunks[1].offset, chunks[0].offset + chunks[0].stored_len);
    assert_eq!(chunks[2].offset, chunks[1].offset + chunks[1].stored_len);
    let mut out = vec![0xAA; 10];
    pack.read_chunk(0, 1, &mut out).unwrap();
    assert_eq!(out, mips[1]);
    pack.read_chunk(0, 2, &mut out).unwrap();
    assert_eq!(out, mips[2]);

    let err = pack.read_chunk(0, 3, &mut out).unwrap_err();
    assert!(matches!(err, PackReadError::NotFound { chunk: Some(3), .. }), "{err}");
    assert!(out.is_empty());
    let err = pack.read_entry(1).unwrap_err();
    assert!(matches!(err, PackReadError::NotFound { .. }), "{err}");
    assert!(!err.is_corrupt());
}

#[test]
fn codecs_compress_and_incompressible_data_is_stored_raw() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("codecs.amsp");
    let text = compressible(20_000, 9);
    let noise = incompressible(20_000, 9);
    let mut writer = PackWriter::create(&path, WriteOptions::default()).unwrap();
    let lz4 = writer.add_entry(id(1), &[&text], Codec::Lz4).unwrap();
    let zstd = writer.add_entry(id(2), &[&text], Codec::Zstd).unwrap();
    let raw = writer.add_entry(id(3), &[&noise], Codec::Zstd).unwrap();
    let mixed = writer.add_entry(id(4), &[&noise, &text], Codec::Lz4).unwrap();
    let none = writer.add_entry(id(5), &[&text], Codec::None).unwrap();
    writer.finish().unwrap();

    assert_eq!(
        (lz4.codec, zstd.codec, raw.codec, mixed.codec),
        (Codec::Lz4, Codec::Zstd, Codec::None, Codec::Lz4)
    );
    assert!(lz4.stored_size < text.len() as u64 / 4);
    assert!(zstd.stored_size < lz4.stored_size);
    assert_eq!(raw.stored_size, raw.raw_size);
    assert_eq!(none.stored_size, none.raw_size);

    let pack = PackReader::open(&path).unwrap();
    let codecs = |entry| pack.chunks(entry).iter().map(|c| c.codec).collect::<Vec<_>>();
    assert_eq!(codecs(0), [Codec::Lz4]);
    assert_eq!(codecs(1), [Codec::Zstd]);
    assert_eq!(codecs(2), [Codec::None]);
    assert_eq!(codecs(3), [Codec::None, Codec::Lz4]);
    assert_eq!(pack.read_entry(0).unwrap(), text);
    assert_eq!(pack.read_entry(1).unwrap(), text);
    assert_eq!(pack.read_entry(2).unwrap(), noise);
    assert_eq!(pack.read_entry(3).unwrap(), [noise.as_slice(), &text].concat());

    // Stored bytes come back verified and still encoded.
    let mut stored = Vec::new();
    let info = pack.read_stored_chunk(1, 0, &mut stored).unwrap();
    assert_eq!(info.codec, Codec::Zstd);
    assert_eq!(stored.len() as u64, info.stored_len);
    assert_eq!(zstd::bulk::decompress(&stored, text.len()).unwrap(), text);
    pack.verify().unwrap();
}

#[test]
fn find_by_id_and_by_content_hash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("find.amsp");
    let a = compressible(1000, 1);
    let b = compressible(1000, 2);
    let mut writer = PackWriter::create(&path, WriteOptions::default()).unwrap();
    for (value, data) in [(500, &a), (100, &b), (300, &a)] {
        writer.add_entry(id(value), &[data], Codec::Lz4).unwrap();
    }
    writer.finish().unwrap();
    let pack = PackReader::open(&path).unwrap();
    assert_eq!(pack.find(id(100)), Some(0));
    assert_eq!(pack.find(id(300)), Some(1));
    assert_eq!(pack.find(id(500)), Some(2));
    assert_eq!(pack.find(id(200)), None);
    assert_eq!(pack.find_by_hash(&content_hash(&[&b])), Some(0));
    // Two entries share content: the lower index is found.
    assert_eq!(pack.find_by_hash(&content_hash(&[&a])), Some(1));
    // The hash does not depend on chunk boundaries.
    assert_eq!(pack.find_by_hash(&content_hash(&[&a[..10], &a[10..]])), Some(1));
    assert_eq!(pack.find_by_hash(&content_hash(&[b"nothing"])), None);
}

#[test]
fn entries_are_aligned_and_padding_is_zero() {
    let dir = tempfile::tempdir().unwrap();
    for alignment in [8, 64, 512, 4096, 65536] {
        let path = dir.path().join(format!("aligned-{alignment}.amsp"));
        write_pack(&path, alignment, &small_specs());
        let pack = PackReader::open(&path).unwrap();
        assert_eq!(pack.alignment(), alignment);
        for entry in 0..pack.entries().len() {
            if let Some(first) = pack.chunks(entry).first() {
                assert_eq!(first.offset % u64::from(alignment), 0);
            }
        }
        let report = pack.verify().unwrap();
        assert!(alignment < 128 || report.padding_bytes > 0);
    }
}

#[test]
fn invalid_options_and_entries_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.amsp");
    for alignment in [0, 1, 4, 12, 100, 1 << 25] {
        let err = PackWriter::create(&path, WriteOptions { alignment, zstd_level: 3 }).unwrap_err();
        assert!(matches!(err, PackWriteError::InvalidOptions { .. }), "{alignment}: {err}");
    }
    let err = PackWriter::create(&path, WriteOptions { alignment: 64, zstd_level: 1000 });
    assert!(matches!(err, Err(PackWriteError::InvalidOptions { .. })));

    let mut writer = PackWriter::create(&path, WriteOptions::default()).unwrap();
    writer.add_entry(id(1), &[b"one"], Codec::None).unwrap();
    let err = writer.add_entry(id(1), &[b"again"], Codec::None).unwrap_err();
    assert!(matches!(err, PackWriteError::DuplicateEntry { .. }), "{err}");
    assert!(err.to_string().contains("00000000000000000000000000000001"), "{err}");
    let err = writer.add_entry(AssetId::NIL, &[b"nil"], Codec::None).unwrap_err();
    assert!(matches!(err, PackWriteError::InvalidEntry { .. }), "{err}");
    // Refused entries leave the writer usable.
    writer.add_entry(id(2), &[b"two"], Codec::None).unwrap();
    let summary = writer.finish().unwrap();
    assert_eq!(summary.entries.len(), 2);
    PackReader::open(&path).unwrap().verify().unwrap();
}

#[test]
fn empty_packs_entries_and_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.amsp");
    let summary = PackWriter::create(&path, WriteOptions::default()).unwrap().finish().unwrap();
    assert_eq!(summary.file_len, 128);
    let pack = PackReader::open(&path).unwrap();
    assert!(pack.entries().is_empty());
    assert_eq!(pack.verify().unwrap().entries, 0);

    let specs = vec![
        Spec::new(1, vec![], Codec::Zstd),
        Spec::new(2, vec![Vec::new(), Vec::new()], Codec::Lz4),
        Spec::new(3, vec![b"x".to_vec()], Codec::None),
        Spec::new(4, vec![Vec::new()], Codec::None),
    ];
    write_pack(&path, 8, &specs);
    let pack = PackReader::open(&path).unwrap();
    for (index, spec) in specs.iter().enumerate() {
        assert_eq!(pack.read_entry(index).unwrap(), spec.concatenated());
        assert_eq!(pack.entries()[index].content_hash, content_hash(&spec.chunk_refs()));
    }
    let mut out = vec![1, 2, 3];
    pack.read_chunk(1, 1, &mut out).unwrap();
    assert!(out.is_empty());
    pack.verify().unwrap();
}

#[test]
fn copy_entry_moves_stored_chunks_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    let source_path = dir.path().join("source.amsp");
    let specs = small_specs();
    write_pack(&source_path, 64, &specs);
    let source = PackReader::open(&source_path).unwrap();

    let target_path = dir.path().join("target.amsp");
    let mut writer = PackWriter::create(&target_path, WriteOptions::default()).unwrap();
    writer.add_entry(id(15), &[b"own entry"], Codec::None).unwrap();
    for entry in (0..source.entries().len()).rev() {
        let summary = writer.copy_entry(&source, entry).unwrap();
        let info = source.entries()[entry];
        assert_eq!((summary.id, summary.content_hash), (info.id, info.content_hash));
        assert_eq!((summary.raw_size, summary.stored_size), (info.raw_size, info.stored_size));
    }
    let err = writer.copy_entry(&source, 0).unwrap_err();
    assert!(matches!(err, PackWriteError::DuplicateEntry { .. }), "{err}");
    let err = writer.copy_entry(&source, 99).unwrap_err();
    assert!(matches!(err, PackWriteError::Read { .. }), "{err}");
    assert_eq!(writer.entry_count(), 5);
    writer.finish().unwrap();

    let target = PackReader::open(&target_path).unwrap();
    target.verify().unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (s, info) in source.entries().iter().enumerate() {
        let t = target.find(info.id).unwrap();
        assert_eq!(target.entries()[t].content_hash, info.content_hash);
        for c in 0..info.chunk_count {
            let sa = source.read_stored_chunk(s, c, &mut a).unwrap();
            let tb = target.read_stored_chunk(t, c, &mut b).unwrap();
            assert_eq!(a, b);
            assert_eq!((sa.codec, sa.checksum, sa.raw_len), (tb.codec, tb.checksum, tb.raw_len));
            if c == 0 {
                assert_eq!(tb.offset % 4096, 0, "the target's alignment applies");
            }
        }
        assert_eq!(target.read_entry(t).unwrap(), source.read_entry(s).unwrap());
    }
}

// Regression guard: a damaged source entry must not leave half an entry in
// the target pack.
#[test]
fn copy_entry_from_a_damaged_pack_leaves_the_target_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let source_path = dir.path().join("source.amsp");
    let big = compressible(10_000, 3);
    let mut writer = PackWriter::create(&source_path, WriteOptions::default()).unwrap();
    writer.add_entry(id(1), &[&big, b"second chunk, damaged below"], Codec::None).unwrap();
    writer.add_entry(id(2), &[b"intact"], Codec::None).unwrap();
    writer.finish().unwrap();
    let mut bytes = fs::read(&source_path).unwrap();
    let damaged_at = PackReader::open(&source_path).unwrap().chunks(0)[1].offset as usize;
    bytes[damaged_at] ^= 1;
    fs::write(&source_path, &bytes).unwrap();
    let source = PackReader::open(&source_path).unwrap();

    let target_path = dir.path().join("target.amsp");
    let mut writer = PackWriter::create(&target_path, WriteOptions::default()).unwrap();
    let err = writer.copy_entry(&source, 0).unwrap_err();
    let PackWriteError::Read { source: read_err, .. } = &err else { panic!("{err}") };
    assert!(read_err.is_corrupt(), "{err}");
    assert_eq!(read_err.entry(), Some(id(1)));
    assert_eq!(writer.entry_count(), 0);
    writer.copy_entry(&source, 1).unwrap();
    writer.finish().unwrap();
    let target = PackReader::open(&target_path).unwrap();
    target.verify().unwrap();
    assert_eq!(target.read_entry(0).unwrap(), b"intact");
}

#[test]
fn a_dropped_writer_leaves_no_files_and_the_old_pack_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pack.amsp");
    let mut writer = PackWriter::create(&path, WriteOptions::default()).unwrap();
    writer.add_entry(id(1), &[&compressible(100_000, 1)], Codec::Zstd).unwrap();
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "the temporary file exists");
    drop(writer);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);

    write_pack(&path, 64, &small_specs());
    let before = fs::read(&path).unwrap();
    let mut writer = PackWriter::create(&path, WriteOptions::default()).unwrap();
    writer.add_entry(id(99), &[b"replacement"], Codec::None).unwrap();
    drop(writer);
    assert_eq!(fs::read(&path).unwrap(), before);
    let names: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["pack.amsp"]);

    // Finishing replaces the old pack in one step.
    let mut writer = PackWriter::create(&path, WriteOptions::default()).unwrap();
    writer.add_entry(id(99), &[b"replacement"], Codec::None).unwrap();
    writer.finish().unwrap();
    let pack = PackReader::open(&path).unwrap();
    assert_eq!(pack.entries().len(), 1);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_future_version_is_reported_as_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.amsp");
    write_pack(&path, 64, &small_specs());
    let mut bytes = fs::read(&path).unwrap();
    write_u32(&mut bytes, VERSION_AT, FORMAT_VERSION + 1);
    reseal(&mut bytes);
    fs::write(&path, &bytes).unwrap();
    let err = PackReader::open(&path).unwrap_err();
    assert!(
        matches!(err, PackReadError::UnsupportedVersion { found: 2, supported: 1, .. }),
        "{err}"
    );
    assert!(!err.is_corrupt());
    let message = err.to_string();
    assert!(message.contains("future.amsp") && message.contains("version 2"), "{message}");
}

#[test]
fn limits_are_checked_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("limits.amsp");
    let mut writer = PackWriter::create(&path, WriteOptions::default()).unwrap();
    writer.add_entry(id(1), &[&vec![0; 5000], &vec![0; 3000]], Codec::Zstd).unwrap();
    writer.add_entry(id(2), &[b"x"], Codec::None).unwrap();
    writer.finish().unwrap();

    let open = |limits| PackReader::open_with_limits(&path, limits);
    let chunk_cap = ReadLimits { max_chunk_raw_len: 4999, ..ReadLimits::default() };
    let err = open(chunk_cap).unwrap_err();
    assert!(
        matches!(err, PackReadError::LimitExceeded { size: 5000, limit: 4999, chunk: Some(0), .. }),
        "{err}"
    );
    assert_eq!(err.entry(), Some(id(1)));
    assert!(!err.is_corrupt());
    let entry_cap = ReadLimits { max_entry_raw_len: 7999, ..ReadLimits::default() };
    assert!(matches!(open(entry_cap), Err(PackReadError::LimitExceeded { size: 8000, .. })));
    let count_cap = ReadLimits { max_entries: 1, ..ReadLimits::default() };
    assert!(matches!(open(count_cap), Err(PackReadError::LimitExceeded { size: 2, .. })));
    let exact = ReadLimits { max_chunk_raw_len: 5000, max_entry_raw_len: 8000, max_entries: 2 };
    open(exact).unwrap().verify().unwrap();
}

#[test]
fn concurrent_reads_share_one_reader() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("threads.amsp");
    let specs: Vec<Spec> = (1..=16)
        .map(|i| Spec::new(i, vec![compressible(5000, i as u8), compressible(700, 1)], Codec::Lz4))
        .collect();
    write_pack(&path, 512, &specs);
    let pack = PackReader::open(&path).unwrap();
    std::thread::scope(|scope| {
        for t in 0..8 {
            let (pack, specs) = (&pack, &specs);
            scope.spawn(move || {
                let mut buf = Vec::new();
                for round in 0..50 {
                    let spec = &specs[(t * 7 + round) % specs.len()];
                    let entry = pack.find(spec.id).unwrap();
                    pack.read_chunk(entry, (round % 2) as u32, &mut buf).unwrap();
                    assert_eq!(buf, spec.chunks[round % 2]);
                }
            });
        }
    });
}

#[test]
fn writer_reports_progress() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.amsp");
    let mut writer =
        PackWriter::create(&path, WriteOptions { alignment: 4096, zstd_level: 3 }).unwrap();
    assert_eq!((writer.entry_count(), writer.bytes_written()), (0, 128));
    writer.add_entry(id(1), &[&[5; 100]], Codec::None).unwrap();
    assert_eq!((writer.entry_count(), writer.bytes_written()), (1, 4096 + 100));
    writer.add_entry(id(2), &[&[5; 10]], Codec::None).unwrap();
    assert_eq!(writer.bytes_written(), 8192 + 10);
    let summary = writer.finish().unwrap();
    assert_eq!(summary.file_len, 8192 + 10 + 2 * 80 + 2 * 40);
}

#[test]
fn prepared_entries_match_entries_added_directly() {
    let dir = tempfile::tempdir().unwrap();
    let specs = small_specs();
    let options = WriteOptions { alignment: 64, zstd_level: 5 };
    let direct_path = dir.path().join("direct.amsp");
    let mut writer = PackWriter::create(&direct_path, options).unwrap();
    for spec in &specs {
        writer.add_entry(spec.id, &spec.chunk_refs(), spec.codec).unwrap();
    }
    writer.finish().unwrap();

    // Prepared on other threads, then written in the same order.
    let prepared: Vec<PreparedEntry> = std::thread::scope(|scope| {
        let handles: Vec<_> = specs
            .iter()
            .map(|spec| {
                scope.spawn(move || {
                    PreparedEntry::new(spec.id, &spec.chunk_refs(), spec.codec, &options)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let prepared_path = dir.path().join("prepared.amsp");
    let mut writer = PackWriter::create(&prepared_path, options).unwrap();
    for (entry, spec) in prepared.into_iter().zip(&specs) {
        assert_eq!(entry.id(), spec.id);
        assert_eq!(entry.content_hash(), content_hash(&spec.chunk_refs()));
        assert_eq!(entry.chunk_count() as usize, spec.chunks.len());
        assert_eq!(entry.raw_size(), spec.concatenated().len() as u64);
        let (stored_size, codec) = (entry.stored_size(), entry.codec());
        let summary = writer.add_prepared(entry).unwrap();
        assert_eq!((summary.stored_size, summary.codec), (stored_size, codec));
    }
    writer.finish().unwrap();

    // Identical files but for the random uuid (and so the header checksum).
    let (a, b) = (fs::read(&direct_path).unwrap(), fs::read(&prepared_path).unwrap());
    assert_eq!(a[..64], b[..64]);
    assert_eq!(a[80..120], b[80..120]);
    assert_eq!(a[128..], b[128..]);
    PackReader::open(&prepared_path).unwrap().verify().unwrap();

    let mut writer = PackWriter::create(&prepared_path, options).unwrap();
    let entry = PreparedEntry::new(AssetId::NIL, &[b"x"], Codec::None, &options);
    assert!(matches!(writer.add_prepared(entry), Err(PackWriteError::InvalidEntry { .. })));
}
