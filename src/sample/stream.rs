//! Streaming: journeys planned in order of their start, rows written in time order.

use std::collections::BinaryHeap;

use super::calendar::{LAST, OPEN_ROOM, PACE};
use super::planner::Planner;
use super::rows::{Plan, Timed};
use super::writer::Sink;
use super::{SampleError, SampleSpec};

/// Plans journeys in order of their start and writes rows as soon as no later journey can
/// precede them, so every file comes out sorted by time. Starts advance [`PACE`] / clicks per
/// planned touch; the export ends with the `spec.clicks`-th click, cutting the journeys still
/// in flight. Should the starts reach the period's last second first, the remaining journeys
/// are squeezed into it.
pub(super) fn stream_journeys(spec: &SampleSpec, sink: &mut Sink) -> Result<(), SampleError> {
    let total = spec.clicks as u64;
    let mut planner = Planner::new(spec.seed);
    let mut plan = Plan::default();
    let mut queue = BinaryHeap::new();
    let mut seq = 0u64;
    let mut planned = 0u64;
    while !sink.is_full() {
        let paced = u128::from(PACE) * u128::from(planned) / u128::from(total);
        let start = paced.min(u128::from(LAST)) as u32;
        let room = if start < LAST { OPEN_ROOM } else { 0 };
        planner.journey(&mut plan, room);
        planned += plan.touches;
        sink.emit_until(&mut queue, start)?;
        let origin = start + planner.lead_in(room.saturating_sub(plan.span()));
        for (offset, item) in plan.steps.drain(..) {
            seq += 1;
            queue.push(Timed {
                at: origin + offset,
                seq,
                item,
            });
        }
    }
    sink.flush_leads(u32::MAX)
}
