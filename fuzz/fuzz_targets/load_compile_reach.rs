//! Fuzz target: load → compile → views → attack simulation.
//!
//! Any panic (or abort, or sanitizer report) anywhere in the pipeline is a
//! finding: the loader must turn every malformed input into `Err(LoadErrors)`,
//! and everything downstream of a successful load must be total.
#![no_main]

use blastradius::attack::graph::AttackGraph;
use blastradius::attack::rank::rank_all;
use blastradius::engine::reach::{ReachOptions, Reachability};
use blastradius::engine::view::{entities, ConnView, Level};
use blastradius::input::{load_str, LoadOptions};
use blastradius::output::text::connlist::connlist;
use libfuzzer_sys::fuzz_target;

/// Larger inputs are ignored so the fuzzer spends its time on structure
/// rather than on ever-longer documents.
const MAX_INPUT: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_INPUT {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first byte picks the CIDR mode, so both parsers get exercised
    // without spending input bytes on a separate flag (the byte is still part
    // of the YAML text).
    let opts = LoadOptions {
        lenient_cidr: data.first().is_some_and(|b| b & 1 == 1),
        ..LoadOptions::default()
    };
    let Ok(cluster) = load_str("fuzz", text, &opts) else {
        return;
    };
    let reach = Reachability::compile(&cluster, &ReachOptions::default());
    let view = ConnView::build(&cluster, &reach, Level::Workload);
    let _ = std::hint::black_box(connlist(&view));
    let g = AttackGraph::build(&cluster, &reach, &Default::default());
    let ents = entities(&cluster, &reach, Level::Workload);
    let _ = std::hint::black_box(rank_all(&g, &ents));
});
