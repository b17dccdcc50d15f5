//! Observer paths for the streaming simulation: walking, driving, flying,
//! teleporting and spinning in place over a square world, each a pure
//! function of time so that every strategy sees exactly the same motion.

/// Where an observer is and how it moves at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObserverState {
    /// Position in metres (y up).
    pub position: [f32; 3],
    /// Velocity in metres per second.
    pub velocity: [f32; 3],
    /// Unit view direction.
    pub forward: [f32; 3],
}

/// A kind of motion through the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathKind {
    /// 1.4 m/s at eye height, along a meandering line, looking ahead.
    Walk,
    /// 25 m/s at 1.5 m along a road of long straights and bends.
    Drive,
    /// 80 m/s at 120 m, banking around a wide loop, looking ahead and down.
    Fly,
    /// Standing still at one place for 5 s, then at another far away.
    Teleport,
    /// Standing at the centre, turning 120°/s.
    Spin,
}

impl PathKind {
    /// Every path, in report order.
    pub const ALL: [PathKind; 5] = [Self::Walk, Self::Drive, Self::Fly, Self::Teleport, Self::Spin];

    /// The path's name in tables and file names.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Walk => "walk",
            Self::Drive => "drive",
            Self::Fly => "fly",
            Self::Teleport => "teleport",
            Self::Spin => "spin",
        }
    }

    /// The path named `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The observer at time `t` seconds on a world of side `side` metres.
    #[must_use]
    pub fn at(self, t: f32, side: f32) -> ObserverState {
        let centre = side * 0.5;
        match self {
            Self::Walk => {
                let speed = 1.4;
                let along = |t: f32| {
                    let x = centre * 0.6 + speed * t;
                    let z = centre + 12.0 * (t * 0.05).sin();
                    [x, 1.7, z]
                };
                moving(along, t, 0.0)
            }
            Self::Drive => {
                let speed = 25.0;
                let along = |t: f32| {
                    let s = speed * t;
                    // Straights joined by gentle S-bends.
                    let z = centre * 0.7 + 60.0 * (s / 400.0).sin() + 20.0 * (s / 97.0).sin();
                    [side * 0.15 + s, 1.5, z]
                };
                moving(along, t, 0.0)
            }
            Self::Fly => {
                let (speed, radius) = (80.0, side * 0.35);
                let along = |t: f32| {
                    let a = speed * t / radius;
                    [centre + radius * a.cos(), 120.0, centre + radius * a.sin()]
                };
                moving(along, t, -0.35)
            }
            Self::Teleport => {
                let hop = (t / 5.0).floor();
                let spot = |k: f32| {
                    let u = (k * 0.618_034).fract();
                    let v = (k * 0.414_214 + 0.3).fract();
                    [side * (0.1 + 0.8 * u), 1.7, side * (0.1 + 0.8 * v)]
                };
                let facing = hop * 2.1;
                ObserverState {
                    position: spot(hop + 1.0),
                    velocity: [0.0; 3],
                    forward: [facing.cos(), 0.0, facing.sin()],
                }
            }
            Self::Spin => {
                let angle = t * 120f32.to_radians();
                ObserverState {
                    position: [centre, 1.7, centre],
                    velocity: [0.0; 3],
                    forward: [angle.cos(), 0.0, angle.sin()],
                }
            }
        }
    }
}

/// The state of a path given by its position over time: velocity by
/// central difference, looking along the motion tilted by `pitch` (y of
/// the unnormalised direction per unit of horizontal travel).
fn moving(along: impl Fn(f32) -> [f32; 3], t: f32, pitch: f32) -> ObserverState {
    let h = 0.01;
    let (a, b) = (along(t - h), along(t + h));
    let velocity = [0, 1, 2].map(|k| (b[k] - a[k]) / (2.0 * h));
    let horizontal = (velocity[0].powi(2) + velocity[2].powi(2)).sqrt().max(1e-6);
    let dir = [velocity[0] / horizontal, pitch, velocity[2] / horizontal];
    let len = (dir[0].powi(2) + dir[1].powi(2) + dir[2].powi(2)).sqrt();
    ObserverState { position: along(t), velocity, forward: dir.map(|c| c / len) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_move_at_their_speed_and_stay_in_the_world() {
        let side = 3162.0;
        for (kind, speed) in [(PathKind::Walk, 1.4), (PathKind::Drive, 25.0), (PathKind::Fly, 80.0)]
        {
            for step in 0..600 {
                let s = kind.at(step as f32 / 10.0, side);
                let v =
                    (s.velocity[0].powi(2) + s.velocity[1].powi(2) + s.velocity[2].powi(2)).sqrt();
                assert!((v - speed).abs() / speed < 0.15, "{kind:?} at {step}: {v}");
                assert!(
                    s.position[0] >= 0.0 && s.position[0] <= side,
                    "{kind:?}: {:?}",
                    s.position
                );
                assert!(
                    s.position[2] >= 0.0 && s.position[2] <= side,
                    "{kind:?}: {:?}",
                    s.position
                );
                let f = s.forward;
                assert!(((f[0] * f[0] + f[1] * f[1] + f[2] * f[2]).sqrt() - 1.0).abs() < 1e-4);
            }
        }
        let a = PathKind::Teleport.at(4.9, side).position;
        let b = PathKind::Teleport.at(5.1, side).position;
        let jump = ((a[0] - b[0]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
        assert!(jump > 300.0, "a teleport jumps far: {jump}");
        let spin = PathKind::Spin.at(0.75, side);
        assert!(spin.forward[0].abs() < 0.01 && spin.velocity == [0.0; 3], "{spin:?}");
        assert_eq!(PathKind::from_name("fly"), Some(PathKind::Fly));
    }
}
