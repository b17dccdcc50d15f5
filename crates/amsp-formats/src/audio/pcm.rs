//! Sample conversion from the decoders' f32 output to 16-bit PCM.
//!
//! Decoded samples are f32 in `[-1, 1]`, where a 16-bit sample `s` is
//! `s / 32768` (symphonia's scale, so 8- and 16-bit sources convert back
//! exactly). The conversion to i16 scales by 32768, clamps to
//! `[-32768, 32767]` and rounds to the nearest integer, halves to even (the
//! unbiased IEEE rounding): full scale `+1.0` gives 32767, anything past
//! the range saturates, NaN gives 0. symphonia's own f32-to-i16 conversion
//! truncates toward zero instead, which biases lossy output by half a
//! step.

/// 1.5 × 2^23: adding it to an f32 of magnitude under 2^22 leaves no
/// fraction bits, so the sum is the value rounded to an integer (halves to
/// even, the FPU's rounding), and subtracting it again is exact.
const ROUNDING: f32 = 12_582_912.0;

/// One f32 sample as i16: scaled by 32768, clamped to the i16 range,
/// rounded to nearest (halves to even); NaN is 0.
#[must_use]
#[inline]
pub fn f32_to_i16(sample: f32) -> i16 {
    // Without SSE4.1, `f32::round` is a library call per sample; this
    // rounding vectorises. The clamp keeps +1.0 at 32767 and passes NaN,
    // which `as` turns into 0.
    let scaled = (sample * 32_768.0).clamp(-32_768.0, 32_767.0);
    ((scaled + ROUNDING) - ROUNDING) as i16
}

/// Replaces `out` with `samples` converted by [`f32_to_i16`], reusing its
/// allocation.
pub fn samples_to_i16(samples: &[f32], out: &mut Vec<i16>) {
    out.clear();
    out.extend(samples.iter().map(|&s| f32_to_i16(s)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_and_clamping() {
        let step = 1.0 / 32_768.0;
        #[rustfmt::skip]
        let cases: &[(f32, i16)] = &[
            (0.0, 0),
            (-0.0, 0),
            (1.0, 32_767),
            (-1.0, -32_768),
            (1.5, 32_767),
            (-7.0, -32_768),
            (f32::INFINITY, 32_767),
            (f32::NEG_INFINITY, -32_768),
            (f32::NAN, 0),
            (32_767.0 * step, 32_767),
            (32_767.4 * step, 32_767),
            (32_767.6 * step, 32_767),
            (100.4 * step, 100),
            (100.5 * step, 100),
            (101.5 * step, 102),
            (100.6 * step, 101),
            (-100.4 * step, -100),
            (-100.5 * step, -100),
            (-101.5 * step, -102),
            (0.5 * step, 0),
            (-32_767.5 * step, -32_768),
            (0.499_999_97 * step, 0),
            (-100.6 * step, -101),
            (0.4 * step, 0),
            (-0.6 * step, -1),
        ];
        for &(input, want) in cases {
            assert_eq!(f32_to_i16(input), want, "{input}");
        }
    }

    #[test]
    fn every_16_bit_value_survives_the_f32_round_trip() {
        for s in i16::MIN..=i16::MAX {
            let f = f32::from(s) / 32_768.0;
            assert_eq!(f32_to_i16(f), s);
        }
        let mut out = vec![9; 3];
        samples_to_i16(&[0.5, -0.25], &mut out);
        assert_eq!(out, [16_384, -8_192]);
    }
}
