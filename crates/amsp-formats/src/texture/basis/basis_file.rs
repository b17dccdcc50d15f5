//! Taking the UASTC blocks out of a one-slice `.basis` file.
//!
//! The encoder writes `.basis` files; a KTX2 UASTC level holds only the
//! blocks. The parts of the `.basis` layout used here (little-endian):
//!
//! ```text
//! header (77 bytes)
//!      0  2  signature 0x4273 ("sB")        2  2  version (0x13)
//!      4  2  header size (77)              14  3  total slices
//!     20  1  texture format (1 = UASTC 4×4) 65  4  slice descriptor offset
//! slice descriptor (23 bytes each)
//!      0  3  image index                    3  1  level index
//!      9  2  blocks across                 11  2  blocks down
//!     13  4  data offset in the file       17  4  data size
//! ```

use super::BasisError;

const SIGNATURE: u16 = 0x4273;
const HEADER_LEN: usize = 77;
const SLICE_DESC_LEN: usize = 23;
const TEX_FORMAT_UASTC_4X4: u8 = 1;

fn bad<T>(message: String) -> Result<T, BasisError> {
    Err(BasisError::Encode(format!("the encoder's .basis output is unusable: {message}")))
}

fn uint(bytes: &[u8], at: usize, len: usize) -> u64 {
    bytes[at..at + len].iter().rev().fold(0, |value, &b| value << 8 | u64::from(b))
}

/// The UASTC blocks of the only slice of `file`, which must be image 0,
/// level 0, `blocks_x` × `blocks_y` blocks of 16 bytes.
pub(super) fn single_uastc_slice(
    file: &[u8],
    blocks_x: u32,
    blocks_y: u32,
) -> Result<&[u8], BasisError> {
    if file.len() < HEADER_LEN {
        return bad(format!("{} bytes, shorter than the header", file.len()));
    }
    if uint(file, 0, 2) != u64::from(SIGNATURE) || uint(file, 4, 2) != HEADER_LEN as u64 {
        return bad("wrong signature or header size".into());
    }
    if file[20] != TEX_FORMAT_UASTC_4X4 {
        return bad(format!("texture format {}, not UASTC 4x4 ({TEX_FORMAT_UASTC_4X4})", file[20]));
    }
    let slices = uint(file, 14, 3);
    if slices != 1 {
        return bad(format!("{slices} slices, expected 1"));
    }
    let desc = uint(file, 65, 4) as usize;
    let Some(desc) = file.get(desc..desc.saturating_add(SLICE_DESC_LEN)) else {
        return bad(format!("the slice descriptor at {desc} is past the end"));
    };
    let (image, level) = (uint(desc, 0, 3), desc[3]);
    let (across, down) = (uint(desc, 9, 2), uint(desc, 11, 2));
    if image != 0 || level != 0 || across != u64::from(blocks_x) || down != u64::from(blocks_y) {
        return bad(format!(
            "the slice is image {image}, level {level}, {across}×{down} blocks; expected image 0, level 0, {blocks_x}×{blocks_y}"
        ));
    }
    let (offset, size) = (uint(desc, 13, 4), uint(desc, 17, 4));
    let expected = u64::from(blocks_x) * u64::from(blocks_y) * 16;
    if size != expected || offset + size > file.len() as u64 {
        return bad(format!(
            "the slice is {size} bytes at {offset} in a {}-byte file; {expected} bytes expected",
            file.len()
        ));
    }
    Ok(&file[offset as usize..(offset + size) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(format: u8, slices: u8, blocks: (u16, u16), size: u32) -> Vec<u8> {
        let mut f = vec![0u8; HEADER_LEN + SLICE_DESC_LEN];
        f[0..2].copy_from_slice(&SIGNATURE.to_le_bytes());
        f[4] = HEADER_LEN as u8;
        f[14] = slices;
        f[20] = format;
        f[65..69].copy_from_slice(&(HEADER_LEN as u32).to_le_bytes());
        let d = HEADER_LEN;
        f[d + 9..d + 11].copy_from_slice(&blocks.0.to_le_bytes());
        f[d + 11..d + 13].copy_from_slice(&blocks.1.to_le_bytes());
        let data_at = f.len() as u32;
        f[d + 13..d + 17].copy_from_slice(&data_at.to_le_bytes());
        f[d + 17..d + 21].copy_from_slice(&size.to_le_bytes());
        f.extend((0..size).map(|i| i as u8));
        f
    }

    #[test]
    fn finds_the_slice_and_refuses_anything_else() {
        let good = file(1, 1, (2, 1), 32);
        let blocks = single_uastc_slice(&good, 2, 1).unwrap();
        assert_eq!(blocks, (0..32).collect::<Vec<u8>>());

        for (what, f, bx, by) in [
            ("ETC1S", file(0, 1, (2, 1), 32), 2, 1),
            ("two slices", file(1, 2, (2, 1), 32), 2, 1),
            ("other block count", file(1, 1, (2, 1), 32), 1, 2),
            ("short slice", file(1, 1, (2, 1), 16), 2, 1),
            ("truncated", good[..good.len() - 1].to_vec(), 2, 1),
            ("no header", good[..40].to_vec(), 2, 1),
        ] {
            assert!(
                matches!(single_uastc_slice(&f, bx, by), Err(BasisError::Encode(_))),
                "{what} was accepted"
            );
        }
    }
}
