//! Evaluating one placement for all observers: whether it is wanted, at
//! which level step, how visible and urgent, and its slack — how far the
//! observers may move and turn before any of that (but urgency) can change.

use super::chain::Chain;
use super::demand::Contribution;
use super::grid::Member;
use super::observer::View;

/// Visibility tiers of a placement, most urgent last.
pub(crate) const PREFETCH: u8 = 0;
pub(crate) const IN_RANGE: u8 = 1;
pub(crate) const SOON: u8 = 2;
pub(crate) const VISIBLE: u8 = 3;

/// Budget value of a pixel of a placement at each tier.
const TIER_WEIGHT: [f32; 4] = [0.25, 1.0, 4.0, 8.0];

/// Per-update constants of the placement evaluation.
pub(crate) struct Params {
    /// The unload factor.
    pub unload: f32,
    /// `1 + level_margin`.
    pub margin: f32,
    /// The target LOD error in pixels.
    pub target_px: f32,
}

/// Evaluates one placement for all views: its contribution, and how far
/// the views may move (metres) and turn (radians) before any part of it
/// other than urgency and the "visible soon" tier can change.
///
/// `cell_on` is `None` outside a world cell, else whether the cell is
/// wanted.
#[inline]
pub(crate) fn evaluate(
    m: &Member,
    views: &[View],
    cell_on: Option<bool>,
    chain: &Chain,
    p: &Params,
) -> (Contribution, f32, f32) {
    if cell_on == Some(false) {
        // Waits for its cell, whose change of state makes it due.
        return (Contribution::NONE, f32::INFINITY, f32::INFINITY);
    }
    let cell_on = cell_on == Some(true);
    let reach = m.range * p.unload;
    let was = m.c.step >= 0;
    let diameter = 2.0 * m.radius;
    let (mut ppu, mut in_load, mut in_unload, mut entering) = (0.0f32, false, false, false);
    let (mut tier, mut urgency) = (PREFETCH, 0.0f32);
    // Slack of being wanted: for a wanted placement, the largest margin by
    // which some view keeps it; otherwise the smallest by which a view
    // would bring it in.
    let mut keep = f32::NEG_INFINITY;
    let mut bring = f32::INFINITY;
    let mut slack = f32::INFINITY;
    let mut turn_slack = f32::INFINITY;
    let mut far_views = f32::INFINITY;
    for v in views {
        let sight = match v.sight_if_near(m.center, m.radius, m.range, reach) {
            Ok(sight) => sight,
            Err(far) => {
                // Coming nearer could bring it in, or raise its level.
                bring = bring.min(far);
                far_views = far_views.min(far);
                continue;
            }
        };
        let d = sight.distance;
        ppu = ppu.max(sight.ppu);
        let px = sight.ppu * diameter;
        in_load |= d <= m.range;
        in_unload |= d <= reach;
        entering |= sight.time_to_range.is_some_and(|t| t > 0.0);
        keep = keep.max((reach - d).max(m.range - sight.path_distance));
        bring = bring.min((d - m.range).min(sight.path_distance - m.range));
        // Visible now can change when the frustum planes or the range are
        // crossed.
        let margin = sight.frustum_margin.abs();
        slack = slack.min((d - m.range).abs()).min(margin * 0.5);
        turn_slack = turn_slack.min(margin * 0.5 / d.max(1e-3));
        let (t, u) = match (sight.time_to_visible, sight.time_to_range) {
            (Some(t), _) if t <= 0.0 => (VISIBLE, px),
            (Some(t), _) => (SOON, px / (1.0 + t)),
            (None, Some(t)) if t <= 0.0 => (IN_RANGE, px),
            (None, Some(t)) => (PREFETCH, px / (1.0 + t)),
            (None, None) => (PREFETCH, px * 0.5),
        };
        if (t, u) > (tier, urgency) {
            (tier, urgency) = (t, u);
        }
    }
    let active = cell_on || in_load || entering || (was && in_unload);
    if !active {
        // Only coming into reach can change an unwanted placement.
        return (Contribution::NONE, bring, f32::INFINITY);
    }
    if !cell_on {
        slack = slack.min(keep);
    }
    slack = slack.min(far_views);
    if cell_on && tier < IN_RANGE {
        tier = IN_RANGE;
    }
    let need = chain.step_for(ppu, diameter, p.target_px);
    let step = if !was || need as i8 > m.c.step {
        need
    } else {
        chain.step_for(ppu * p.margin, diameter, p.target_px).min(m.c.step as u8)
    };
    // The step holds while the densest view stays in (lo / margin, hi]:
    // no view may pass `hi`'s distance, and one must stay within `lo`'s.
    let (lo, hi) = chain.ppu_bounds(step, diameter, p.target_px);
    let (mut cap, mut hold) = (f32::INFINITY, f32::NEG_INFINITY);
    for v in views {
        if v.far_slack(m.center, m.range, reach).is_some() {
            continue; // not part of the decision (its approach is in `far_views`)
        }
        let d = (m.center - v.position).length();
        let at = |density: f32| v.ppu_at_1() / density + m.radius;
        if hi.is_finite() {
            cap = cap.min(d - at(hi).max(v.near() + m.radius));
        }
        hold = hold.max(if lo > 0.0 { at(lo / p.margin) - d } else { f32::INFINITY });
    }
    slack = slack.min(cap).min(hold);
    let c = Contribution {
        step: step as i8,
        tier,
        urgency,
        value: TIER_WEIGHT[usize::from(tier)] * ppu * diameter,
        protect: tier == VISIBLE || cell_on,
    };
    (c, slack, turn_slack)
}
