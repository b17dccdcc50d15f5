//! The small amount of vector geometry the streaming manager needs: points,
//! boxes, spheres, planes and view frustums, in `f32`.

use std::ops::{Add, Mul, Neg, Sub};

/// A point or direction in world space (metres; y is up).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Vec3 {
    /// East–west.
    pub x: f32,
    /// Up.
    pub y: f32,
    /// North–south.
    pub z: f32,
}

impl Vec3 {
    /// The origin.
    pub const ZERO: Self = Self::new(0.0, 0.0, 0.0);
    /// World up (+y).
    pub const Y: Self = Self::new(0.0, 1.0, 0.0);
    /// +z, the default forward direction.
    pub const Z: Self = Self::new(0.0, 0.0, 1.0);
    /// +x.
    pub const X: Self = Self::new(1.0, 0.0, 0.0);

    /// A vector from its components.
    #[must_use]
    pub const fn new(x: f32, y: f32, z: f32) -> Self {
        Self { x, y, z }
    }

    /// The dot product.
    #[must_use]
    pub fn dot(self, other: Self) -> f32 {
        self.x * other.x + self.y * other.y + self.z * other.z
    }

    /// The cross product.
    #[must_use]
    pub fn cross(self, other: Self) -> Self {
        Self::new(
            self.y * other.z - self.z * other.y,
            self.z * other.x - self.x * other.z,
            self.x * other.y - self.y * other.x,
        )
    }

    /// The squared length.
    #[must_use]
    pub fn length_squared(self) -> f32 {
        self.dot(self)
    }

    /// The length.
    #[must_use]
    pub fn length(self) -> f32 {
        self.length_squared().sqrt()
    }

    /// This vector scaled to length 1, or `None` if it is (nearly) zero or
    /// not finite.
    #[must_use]
    pub fn normalized(self) -> Option<Self> {
        let len = self.length();
        (len.is_finite() && len > 1e-12).then(|| self * (1.0 / len))
    }

    /// Whether every component is finite.
    #[must_use]
    pub fn is_finite(self) -> bool {
        self.x.is_finite() && self.y.is_finite() && self.z.is_finite()
    }

    /// The component-wise minimum.
    #[must_use]
    pub fn min(self, other: Self) -> Self {
        Self::new(self.x.min(other.x), self.y.min(other.y), self.z.min(other.z))
    }

    /// The component-wise maximum.
    #[must_use]
    pub fn max(self, other: Self) -> Self {
        Self::new(self.x.max(other.x), self.y.max(other.y), self.z.max(other.z))
    }

    /// This vector rotated by `angle` radians about the world up axis
    /// (counter-clockwise seen from above: +x turns towards -z).
    #[must_use]
    pub fn rotated_about_y(self, angle: f32) -> Self {
        let (s, c) = angle.sin_cos();
        Self::new(c * self.x + s * self.z, self.y, -s * self.x + c * self.z)
    }
}

impl Add for Vec3 {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self::new(self.x + o.x, self.y + o.y, self.z + o.z)
    }
}

impl Sub for Vec3 {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Self::new(self.x - o.x, self.y - o.y, self.z - o.z)
    }
}

impl Mul<f32> for Vec3 {
    type Output = Self;
    fn mul(self, s: f32) -> Self {
        Self::new(self.x * s, self.y * s, self.z * s)
    }
}

impl Neg for Vec3 {
    type Output = Self;
    fn neg(self) -> Self {
        Self::new(-self.x, -self.y, -self.z)
    }
}

/// An axis-aligned bounding box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Aabb {
    /// The minimum corner.
    pub min: Vec3,
    /// The maximum corner.
    pub max: Vec3,
}

impl Aabb {
    /// A box from its corners (taken component-wise, so their order does not
    /// matter).
    #[must_use]
    pub fn new(a: Vec3, b: Vec3) -> Self {
        Self { min: a.min(b), max: a.max(b) }
    }

    /// A box centred on `center` with the given half extents.
    #[must_use]
    pub fn from_center(center: Vec3, half_extents: Vec3) -> Self {
        Self::new(center - half_extents, center + half_extents)
    }

    /// The centre.
    #[must_use]
    pub fn center(&self) -> Vec3 {
        (self.min + self.max) * 0.5
    }

    /// The half extents.
    #[must_use]
    pub fn half_extents(&self) -> Vec3 {
        (self.max - self.min) * 0.5
    }

    /// The bounding sphere of the box (centre and half diagonal).
    #[must_use]
    pub fn bounding_sphere(&self) -> Sphere {
        Sphere { center: self.center(), radius: self.half_extents().length() }
    }

    /// Whether both corners are finite.
    #[must_use]
    pub fn is_finite(&self) -> bool {
        self.min.is_finite() && self.max.is_finite()
    }

    /// The squared distance from `p` to the box (zero inside).
    #[must_use]
    pub fn distance_squared(&self, p: Vec3) -> f32 {
        let d = (self.min - p).max(p - self.max).max(Vec3::ZERO);
        d.length_squared()
    }

    /// The smallest box holding both.
    #[must_use]
    pub fn union(&self, other: &Self) -> Self {
        Self { min: self.min.min(other.min), max: self.max.max(other.max) }
    }
}

/// A bounding sphere.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sphere {
    /// The centre.
    pub center: Vec3,
    /// The radius (zero or more).
    pub radius: f32,
}

/// A plane `normal · p + d = 0`; points with a positive signed distance are
/// on the side the normal points to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plane {
    /// The unit normal.
    pub normal: Vec3,
    /// The offset.
    pub d: f32,
}

impl Plane {
    /// The plane through `point` with unit `normal`.
    #[must_use]
    pub fn from_point_normal(point: Vec3, normal: Vec3) -> Self {
        Self { normal, d: -normal.dot(point) }
    }

    /// The signed distance of `p` from the plane.
    #[must_use]
    pub fn distance(&self, p: Vec3) -> f32 {
        self.normal.dot(p) + self.d
    }
}

/// A view frustum: six planes whose normals point inwards (left, right,
/// bottom, top, near, far).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frustum {
    /// The planes, normals pointing into the frustum.
    pub planes: [Plane; 6],
}

impl Frustum {
    /// The perspective frustum of a camera at `eye` looking along `forward`
    /// with `up` (both unit length and orthogonal), a vertical field of view
    /// `fov_y` in radians, `aspect` = width / height, and near/far distances.
    #[must_use]
    pub fn perspective(
        eye: Vec3,
        forward: Vec3,
        up: Vec3,
        fov_y: f32,
        aspect: f32,
        near: f32,
        far: f32,
    ) -> Self {
        let right = forward.cross(up);
        let tan_y = (fov_y * 0.5).tan();
        let tan_x = tan_y * aspect;
        // Side planes contain the eye; their inward normals lean towards forward.
        let side = |dir: Vec3, tan: f32| -> Plane {
            // A plane containing forward + dir * tan; inward normal is
            // forward * tan - dir, normalised.
            let n = (forward * tan - dir).normalized().unwrap_or(forward);
            Plane::from_point_normal(eye, n)
        };
        Self {
            planes: [
                side(-right, tan_x),
                side(right, tan_x),
                side(-up, tan_y),
                side(up, tan_y),
                Plane::from_point_normal(eye + forward * near, forward),
                Plane::from_point_normal(eye + forward * far, -forward),
            ],
        }
    }

    /// Whether a sphere touches the frustum (conservative: a sphere near a
    /// corner outside may be reported inside, never the reverse).
    #[must_use]
    pub fn intersects_sphere(&self, s: &Sphere) -> bool {
        self.planes.iter().all(|p| p.distance(s.center) >= -s.radius)
    }

    /// Whether a box touches the frustum (conservative, as for spheres).
    #[must_use]
    pub fn intersects_aabb(&self, b: &Aabb) -> bool {
        self.planes.iter().all(|p| {
            // The box corner furthest along the normal.
            let corner = Vec3::new(
                if p.normal.x >= 0.0 { b.max.x } else { b.min.x },
                if p.normal.y >= 0.0 { b.max.y } else { b.min.y },
                if p.normal.z >= 0.0 { b.max.z } else { b.min.z },
            );
            p.distance(corner) >= 0.0
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frustum() -> Frustum {
        Frustum::perspective(Vec3::ZERO, Vec3::Z, Vec3::Y, 90f32.to_radians(), 1.0, 0.1, 100.0)
    }

    #[test]
    fn sphere_in_and_out_of_frustum() {
        let f = frustum();
        let s = |x, y, z, r| Sphere { center: Vec3::new(x, y, z), radius: r };
        assert!(f.intersects_sphere(&s(0.0, 0.0, 10.0, 1.0)));
        assert!(!f.intersects_sphere(&s(0.0, 0.0, -10.0, 1.0)), "behind");
        assert!(!f.intersects_sphere(&s(0.0, 0.0, 120.0, 1.0)), "beyond far");
        // 90° fov: the edge is x = z. A sphere at x = 12, z = 10 with r = 1 is
        // (12 - 10) / sqrt 2 = 1.41 outside.
        assert!(!f.intersects_sphere(&s(12.0, 0.0, 10.0, 1.0)));
        assert!(f.intersects_sphere(&s(12.0, 0.0, 10.0, 1.5)));
        assert!(!f.intersects_sphere(&s(-12.0, 0.0, 10.0, 1.0)));
        assert!(!f.intersects_sphere(&s(0.0, 12.0, 10.0, 1.0)));
        assert!(f.intersects_aabb(&Aabb::from_center(
            Vec3::new(11.0, 0.0, 10.0),
            Vec3::new(1.5, 1.0, 1.0)
        )));
        assert!(!f.intersects_aabb(&Aabb::from_center(
            Vec3::new(0.0, 0.0, -5.0),
            Vec3::new(1.0, 1.0, 1.0)
        )));
    }

    #[test]
    fn box_distance_and_rotation() {
        let b = Aabb::new(Vec3::new(1.0, 0.0, 0.0), Vec3::new(2.0, 1.0, 1.0));
        assert_eq!(b.distance_squared(Vec3::new(1.5, 0.5, 0.5)), 0.0);
        assert_eq!(b.distance_squared(Vec3::new(5.0, 0.5, 0.5)), 9.0);
        let r = Vec3::X.rotated_about_y(std::f32::consts::FRAC_PI_2);
        assert!((r - Vec3::new(0.0, 0.0, -1.0)).length() < 1e-6);
        assert!(Vec3::ZERO.normalized().is_none());
        assert!(Vec3::new(f32::NAN, 0.0, 0.0).normalized().is_none());
    }
}
