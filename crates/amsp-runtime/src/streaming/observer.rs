//! Observers (cameras, players, listeners) and what one sees of a placement
//! now and in the near future.

use super::StreamingError;
use super::math::{Frustum, Vec3};

/// Identifies an observer of a [`StreamingManager`](super::StreamingManager).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObserverId(pub(crate) u32);

/// A point of view that content streams for: a camera with its motion.
///
/// The host updates it every frame (through
/// [`StreamingManager::observer_mut`](super::StreamingManager::observer_mut)).
#[derive(Clone, Debug, PartialEq)]
pub struct Observer {
    /// Eye position.
    pub position: Vec3,
    /// Velocity in metres per second; `None` to let the manager estimate it
    /// from the movement between updates (a jump longer than
    /// [`StreamingConfig::teleport_distance`](super::StreamingConfig::teleport_distance)
    /// counts as a teleport: zero velocity).
    pub velocity: Option<Vec3>,
    /// Turning speed about world up in radians per second (positive turns
    /// +z towards +x); `None` to let the manager estimate it from the turn
    /// between updates (a turn of more than 90° in one update counts as a
    /// cut: no turning). Used to predict what a turn brings into view.
    pub yaw_rate: Option<f32>,
    /// View direction (need not be unit length).
    pub forward: Vec3,
    /// Up direction (need not be unit length or orthogonal to `forward`).
    pub up: Vec3,
    /// Vertical field of view in radians.
    pub fov_y: f32,
    /// Viewport size in pixels (width, height).
    pub viewport: (u32, u32),
    /// Near plane distance.
    pub near: f32,
    /// Far plane distance.
    pub far: f32,
}

impl Observer {
    /// An observer at `position` looking along `forward`, with a 60° vertical
    /// field of view, a 1920×1080 viewport, near 0.1 m, far 10 km, world up,
    /// and estimated velocity.
    #[must_use]
    pub fn new(position: Vec3, forward: Vec3) -> Self {
        Self {
            position,
            velocity: None,
            yaw_rate: None,
            forward,
            up: Vec3::Y,
            fov_y: 60f32.to_radians(),
            viewport: (1920, 1080),
            near: 0.1,
            far: 10_000.0,
        }
    }

    /// Sets the velocity (metres per second).
    #[must_use]
    pub fn with_velocity(mut self, velocity: Vec3) -> Self {
        self.velocity = Some(velocity);
        self
    }

    /// Sets the turning speed about world up (radians per second, positive
    /// turns +z towards +x).
    #[must_use]
    pub fn with_yaw_rate(mut self, yaw_rate: f32) -> Self {
        self.yaw_rate = Some(yaw_rate);
        self
    }

    /// Sets the viewport size in pixels.
    #[must_use]
    pub fn with_viewport(mut self, width: u32, height: u32) -> Self {
        self.viewport = (width, height);
        self
    }

    /// Sets the vertical field of view in radians.
    #[must_use]
    pub fn with_fov_y(mut self, fov_y: f32) -> Self {
        self.fov_y = fov_y;
        self
    }

    /// Checks that the observer defines a view.
    ///
    /// # Errors
    ///
    /// [`StreamingError::InvalidObserver`] naming the bad parameter.
    pub fn validate(&self) -> Result<(), StreamingError> {
        let bad = StreamingError::InvalidObserver;
        if !self.position.is_finite()
            || !self.velocity.unwrap_or(Vec3::ZERO).is_finite()
            || !self.yaw_rate.unwrap_or(0.0).is_finite()
        {
            return Err(bad("position, velocity and yaw rate must be finite"));
        }
        if !(self.fov_y > 0.0 && self.fov_y < std::f32::consts::PI) {
            return Err(bad("the vertical field of view must be in (0, π)"));
        }
        if self.viewport.0 == 0 || self.viewport.1 == 0 {
            return Err(bad("the viewport has a zero side"));
        }
        if !(self.near > 0.0 && self.near < self.far && self.far.is_finite()) {
            return Err(bad("near and far must satisfy 0 < near < far < ∞"));
        }
        let f = self.forward.normalized().ok_or(bad("forward must not be zero"))?;
        let up = self.up.normalized().ok_or(bad("up must not be zero"))?;
        if f.cross(up).length() < 1e-4 {
            return Err(bad("forward must not be parallel to up"));
        }
        Ok(())
    }
}

/// How one observer sees one placement this update.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sight {
    /// Distance from the eye to the placement's centre.
    pub distance: f32,
    /// Pixels per world unit at the placement.
    pub ppu: f32,
    /// Seconds until it is in the frustum and within `range`, if that
    /// happens within the horizon (0 if it already is).
    pub time_to_visible: Option<f32>,
    /// Seconds until it is within `range`, if within the horizon.
    pub time_to_range: Option<f32>,
    /// The smallest signed distance of the sphere's far side from a
    /// frustum plane: at least 0 when it touches the frustum; its magnitude
    /// is how far the view must move for that to change.
    pub frustum_margin: f32,
    /// Distance from the centre to the predicted path (the segment the eye
    /// covers within the horizon).
    pub path_distance: f32,
}

/// An observer prepared for one update: frustum planes, motion and scale.
#[derive(Clone, Debug)]
pub(crate) struct View {
    pub position: Vec3,
    pub velocity: Vec3,
    speed_sq: f32,
    speed: f32,
    frustum: Frustum,
    /// `normal · velocity` of each plane.
    plane_rates: [f32; 6],
    /// When the view turns: the frustum at a few instants of the horizon
    /// (turned and moved), to find when a placement comes into view.
    turning: Vec<(f32, Frustum)>,
    /// Pixels per world unit at distance 1.
    ppu_at_1: f32,
    near: f32,
    horizon: f32,
}

impl View {
    /// Samples of a turning view over the horizon.
    const TURN_SAMPLES: usize = 4;

    /// Prepares `obs` (validated) moving at `velocity` and turning at
    /// `yaw_rate` radians per second.
    pub fn new(obs: &Observer, velocity: Vec3, yaw_rate: f32, horizon: f32) -> Self {
        let forward = obs.forward.normalized().unwrap_or(Vec3::Z);
        let right = forward.cross(obs.up).normalized().unwrap_or(Vec3::X);
        let up = right.cross(forward);
        let aspect = obs.viewport.0 as f32 / obs.viewport.1 as f32;
        let frustum_at = |t: f32| {
            let turn = yaw_rate * t;
            Frustum::perspective(
                obs.position + velocity * t,
                forward.rotated_about_y(turn),
                up.rotated_about_y(turn),
                obs.fov_y,
                aspect,
                obs.near,
                obs.far,
            )
        };
        let frustum = frustum_at(0.0);
        let plane_rates = frustum.planes.map(|p| p.normal.dot(velocity));
        let turning = if yaw_rate.abs() > 1e-3 && horizon > 0.0 {
            (1..=Self::TURN_SAMPLES)
                .map(|k| {
                    let t = horizon * k as f32 / Self::TURN_SAMPLES as f32;
                    (t, frustum_at(t))
                })
                .collect()
        } else {
            Vec::new()
        };
        Self {
            position: obs.position,
            velocity,
            speed_sq: velocity.length_squared(),
            speed: velocity.length(),
            frustum,
            plane_rates,
            turning,
            ppu_at_1: obs.viewport.1 as f32 / (2.0 * (obs.fov_y * 0.5).tan()),
            near: obs.near,
            horizon,
        }
    }

    /// The prediction horizon in seconds.
    pub fn horizon(&self) -> f32 {
        self.horizon
    }

    /// Like [`sight`](Self::sight), but without further work when the
    /// placement is beyond `reach` (its unload distance) and cannot come
    /// within `range` inside the horizon: then `Err` with how far the view
    /// (or its predicted end point) must move before that can change.
    #[inline]
    pub fn sight_if_near(
        &self,
        center: Vec3,
        radius: f32,
        range: f32,
        reach: f32,
    ) -> Result<Sight, f32> {
        match self.far_slack(center, range, reach) {
            Some(slack) => Err(slack),
            None => Ok(self.sight(center, radius, range)),
        }
    }

    /// `Some(slack)` when a placement is too far to matter to this view
    /// (beyond `reach` and unable to come within `range` inside the
    /// horizon), with how far the view must move before it can.
    #[inline]
    pub fn far_slack(&self, center: Vec3, range: f32, reach: f32) -> Option<f32> {
        let dist_sq = (center - self.position).length_squared();
        let travel = self.speed * self.horizon + range;
        if dist_sq > reach * reach && dist_sq > travel * travel {
            let d = dist_sq.sqrt();
            return Some((d - reach).min(d - travel));
        }
        None
    }

    /// Pixels per world unit at distance 1.
    pub fn ppu_at_1(&self) -> f32 {
        self.ppu_at_1
    }

    /// The near distance.
    pub fn near(&self) -> f32 {
        self.near
    }

    /// Sees a placement of bounding sphere (`center`, `radius`) and load
    /// distance `range`. Motion is extrapolated at constant velocity and
    /// orientation over the horizon: each frustum plane's signed distance is
    /// linear in time and the distance condition quadratic, so the entry
    /// time is exact, not sampled.
    #[inline]
    pub fn sight(&self, center: Vec3, radius: f32, range: f32) -> Sight {
        let w = center - self.position;
        let dist_sq = w.length_squared();
        let distance = dist_sq.sqrt();
        let ppu = self.ppu_at_1 / (distance - radius).max(self.near);
        let mut lo = 0.0f32;
        let mut hi = self.horizon;
        let mut frustum_margin = f32::INFINITY;
        for (plane, &rate) in self.frustum.planes.iter().zip(&self.plane_rates) {
            // Signed distance at time t: a - rate * t (+ radius to touch).
            let a = plane.distance(center) + radius;
            frustum_margin = frustum_margin.min(a);
            if rate > 1e-9 {
                hi = hi.min(a / rate);
            } else if rate < -1e-9 {
                lo = lo.max(a / rate);
            } else if a < 0.0 {
                hi = -1.0;
            }
        }
        let in_range = dist_sq <= range * range;
        let time_to_range = if in_range {
            Some(0.0)
        } else if self.speed_sq > 1e-12 {
            // |w - v t|² ≤ range²: t² v² - 2 t (w·v) + w² - range² ≤ 0.
            let wv = w.dot(self.velocity);
            let disc = wv * wv - self.speed_sq * (dist_sq - range * range);
            if disc >= 0.0 {
                let root = disc.sqrt();
                let t0 = (wv - root) / self.speed_sq;
                let t1 = (wv + root) / self.speed_sq;
                lo = lo.max(t0);
                hi = hi.min(t1);
                (t1 >= 0.0 && t0 <= self.horizon).then_some(t0.max(0.0))
            } else {
                hi = -1.0;
                None
            }
        } else {
            hi = -1.0;
            None
        };
        let mut time_to_visible = if frustum_margin >= 0.0 && in_range {
            Some(0.0)
        } else {
            (lo <= hi && lo <= self.horizon).then_some(lo)
        };
        if time_to_visible != Some(0.0) {
            // A turn may bring it in sooner (sampled).
            let sphere = super::math::Sphere { center, radius };
            let r2 = range * range;
            for (t, f) in &self.turning {
                if time_to_visible.is_some_and(|v| v <= *t) {
                    break;
                }
                let eye = self.position + self.velocity * *t;
                if (center - eye).length_squared() <= r2 && f.intersects_sphere(&sphere) {
                    time_to_visible = Some(*t);
                    break;
                }
            }
        }
        let path_distance = if self.speed_sq > 1e-12 {
            let t = (w.dot(self.velocity) / self.speed_sq).clamp(0.0, self.horizon);
            (w - self.velocity * t).length()
        } else {
            distance
        };
        Sight { distance, ppu, time_to_visible, time_to_range, frustum_margin, path_distance }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(velocity: Vec3) -> View {
        let obs = Observer::new(Vec3::ZERO, Vec3::Z)
            .with_viewport(1000, 1000)
            .with_fov_y(90f32.to_radians());
        View::new(&obs, velocity, 0.0, 2.0)
    }

    #[test]
    fn entry_times_are_exact() {
        // Standing still: ahead and in range is visible now; behind never.
        let still = view(Vec3::ZERO);
        let s = still.sight(Vec3::new(0.0, 0.0, 50.0), 1.0, 100.0);
        assert_eq!(s.time_to_visible, Some(0.0));
        assert!((s.ppu - 500.0 / 49.0).abs() < 1e-3);
        assert_eq!(still.sight(Vec3::new(0.0, 0.0, -50.0), 1.0, 100.0).time_to_visible, None);
        // Ahead but out of range at 150 m, moving forward at 40 m/s: the
        // sphere enters range 100 when its centre is 100 m away: t = 1.25 s.
        let forward = view(Vec3::new(0.0, 0.0, 40.0));
        let s = forward.sight(Vec3::new(0.0, 0.0, 150.0), 1.0, 100.0);
        assert!((s.time_to_visible.unwrap() - 1.25).abs() < 1e-4, "{s:?}");
        assert!((s.time_to_range.unwrap() - 1.25).abs() < 1e-4);
        // Looking along +z with a 90° fov, one side plane is x = -z. A sphere
        // (r = 1) at x = -30, z = 20 is outside it; an observer moving at
        // -x 10 m/s brings it in when (-30 + 10 t + 20) / √2 + 1 = 0, at
        // t = 0.8586 s. At x = -80 that takes 5.86 s: beyond the 2 s horizon.
        let strafe = view(Vec3::new(-10.0, 0.0, 0.0));
        let s = strafe.sight(Vec3::new(-80.0, 0.0, 20.0), 1.0, 200.0);
        assert_eq!(s.time_to_visible, None);
        let s = strafe.sight(Vec3::new(-30.0, 0.0, 20.0), 1.0, 200.0);
        // (-30 + 10 t) + 20 + 1 * √2 ≥ 0 → t ≥ 0.8586.
        assert!((s.time_to_visible.unwrap() - 0.8586).abs() < 1e-3, "{s:?}");
        // Moving away: never in range again.
        let back = view(Vec3::new(0.0, 0.0, -40.0));
        assert_eq!(back.sight(Vec3::new(0.0, 0.0, 150.0), 1.0, 100.0).time_to_range, None);
    }

    #[test]
    fn bad_observers_are_rejected() {
        let ok = Observer::new(Vec3::ZERO, Vec3::Z);
        assert!(ok.validate().is_ok());
        for bad in [
            Observer { fov_y: 0.0, ..ok.clone() },
            Observer { viewport: (0, 10), ..ok.clone() },
            Observer { near: 10.0, far: 1.0, ..ok.clone() },
            Observer { forward: Vec3::Y, ..ok.clone() },
            Observer { position: Vec3::new(f32::NAN, 0.0, 0.0), ..ok.clone() },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }
}
