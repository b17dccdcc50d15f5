//! The TRS transform shared by model nodes and prefab components.

/// A local transform: translation, rotation and scale. Model nodes carry
/// one, and it is the built-in `Transform` component of prefabs (all three
/// fields optional there, each defaulting to the identity's).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Transform {
    /// Translation.
    pub translation: [f32; 3],
    /// Rotation as a unit quaternion `[x, y, z, w]`.
    pub rotation: [f32; 4],
    /// Scale per axis.
    pub scale: [f32; 3],
}

impl Default for Transform {
    /// The identity: no translation, no rotation, unit scale.
    fn default() -> Self {
        Self { translation: [0.0; 3], rotation: [0.0, 0.0, 0.0, 1.0], scale: [1.0; 3] }
    }
}

impl Transform {
    /// The column-major 4×4 matrix of this transform.
    #[must_use]
    pub fn matrix(&self) -> [f32; 16] {
        let [x, y, z, w] = self.rotation;
        let (t, s) = (self.translation, self.scale);
        [
            (1.0 - 2.0 * (y * y + z * z)) * s[0],
            2.0 * (x * y + z * w) * s[0],
            2.0 * (x * z - y * w) * s[0],
            0.0,
            2.0 * (x * y - z * w) * s[1],
            (1.0 - 2.0 * (x * x + z * z)) * s[1],
            2.0 * (y * z + x * w) * s[1],
            0.0,
            2.0 * (x * z + y * w) * s[2],
            2.0 * (y * z - x * w) * s[2],
            (1.0 - 2.0 * (x * x + y * y)) * s[2],
            0.0,
            t[0],
            t[1],
            t[2],
            1.0,
        ]
    }

    /// Decomposes a column-major affine matrix without shear (what glTF
    /// requires of node matrices); a mirroring matrix gets a negative x
    /// scale.
    #[must_use]
    pub fn from_matrix(m: &[f32; 16]) -> Self {
        let col = |c: usize| [m[c * 4], m[c * 4 + 1], m[c * 4 + 2]];
        let len = |v: [f32; 3]| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        let (c0, c1, c2) = (col(0), col(1), col(2));
        let det = c0[0] * (c1[1] * c2[2] - c1[2] * c2[1]) - c1[0] * (c0[1] * c2[2] - c0[2] * c2[1])
            + c2[0] * (c0[1] * c1[2] - c0[2] * c1[1]);
        let mut scale = [len(c0), len(c1), len(c2)];
        if det < 0.0 {
            scale[0] = -scale[0];
        }
        let unit = |v: [f32; 3], s: f32| if s == 0.0 { v } else { v.map(|x| x / s) };
        let (r0, r1, r2) = (unit(c0, scale[0]), unit(c1, scale[1]), unit(c2, scale[2]));
        // Rotation matrix (columns r0, r1, r2) to quaternion.
        let (m00, m11, m22) = (r0[0], r1[1], r2[2]);
        let trace = m00 + m11 + m22;
        let q = if trace > 0.0 {
            let s = (trace + 1.0).sqrt() * 2.0;
            [(r1[2] - r2[1]) / s, (r2[0] - r0[2]) / s, (r0[1] - r1[0]) / s, 0.25 * s]
        } else if m00 > m11 && m00 > m22 {
            let s = (1.0 + m00 - m11 - m22).sqrt() * 2.0;
            [0.25 * s, (r1[0] + r0[1]) / s, (r2[0] + r0[2]) / s, (r1[2] - r2[1]) / s]
        } else if m11 > m22 {
            let s = (1.0 + m11 - m00 - m22).sqrt() * 2.0;
            [(r1[0] + r0[1]) / s, 0.25 * s, (r2[1] + r1[2]) / s, (r2[0] - r0[2]) / s]
        } else {
            let s = (1.0 + m22 - m00 - m11).sqrt() * 2.0;
            [(r2[0] + r0[2]) / s, (r2[1] + r1[2]) / s, 0.25 * s, (r0[1] - r1[0]) / s]
        };
        let n = (q.iter().map(|c| c * c).sum::<f32>()).sqrt();
        let rotation =
            if n > 0.0 && n.is_finite() { q.map(|c| c / n) } else { [0.0, 0.0, 0.0, 1.0] };
        Self { translation: [m[12], m[13], m[14]], rotation, scale }
    }
}
