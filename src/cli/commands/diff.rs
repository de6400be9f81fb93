//! `diff`: compare two policy sets; a CI gate.

use crate::attack::graph::SimOptions;
use crate::attack::graph::Target;
use crate::cli::args::{DiffArgs, DiffFormat, FailOn};
use crate::cli::error::{CliError, Outcome};
use crate::cli::input::{input_name, load_two, timed};
use crate::cli::print::{err_line, write_out};
use crate::engine::reach::Reachability;
use crate::model::Cluster;
use crate::output::diff::DiffOutput;
use crate::output::diff_charts::{diff_charts, ChartSide};
use crate::output::files::{write_folder, Chosen};
use crate::output::format::{render, Format};
use crate::review::diff::{diff, Diff, Side};
use crate::util::text::path_text;
use std::path::PathBuf;

pub fn run(a: DiffArgs) -> Result<Outcome, CliError> {
    if a.old.as_os_str() == "-" && a.new.as_os_str() == "-" {
        return Err(CliError::Usage(
            "OLD and NEW cannot both be `-` (stdin)".into(),
        ));
    }
    if a.out.is_some() && a.output != DiffFormat::Svg {
        return Err(CliError::Usage(
            "--out is the folder of -o svg's charts; other formats print on stdout: drop --out or add -o svg".into(),
        ));
    }
    let v = a.opts.verbose;
    // Both sides at once; their warnings and errors in order, OLD first.
    let (old, new) = timed(v, "load", || {
        load_two(
            std::slice::from_ref(&a.old),
            std::slice::from_ref(&a.new),
            &a.opts,
        )
    })?;
    let budget = crate::cli::input::memory_budget()?;
    // CNP-12: both sides know every name either side's rules name.
    let mut names = Reachability::domain_names(&old);
    names.extend(Reachability::domain_names(&new));
    // Both sides at once (on both cores); the old side's error first.
    let (ro, rn) = timed(v, "compile", || {
        let ro_opts = a.opts.reach_options();
        let (ro, rn) = rayon::join(
            || Reachability::compile_naming(&old, &ro_opts, budget, &names),
            || Reachability::compile_naming(&new, &ro_opts, budget, &names),
        );
        ro.and_then(|ro| rn.map(|rn| (ro, rn)))
    })
    .map_err(CliError::TooLarge)?;
    let sim: SimOptions = a.attack.sim_options()?;
    let targets = a.attack.targets()?;
    crate::cli::input::check_targets(&[&old, &new], &targets)?;
    let d = timed(v, "diff", || {
        diff(
            &Side {
                cluster: &old,
                reach: &ro,
            },
            &Side {
                cluster: &new,
                reach: &rn,
            },
            a.level.into(),
            &targets,
            &sim,
        )
    });
    let out = timed(v, "output", || {
        render_diff(&a, &d, (&old, &ro), (&new, &rn), &sim, &targets)
    })?;
    write_out(&out)?;
    let failed: Vec<FailOn> = a
        .fail_on
        .iter()
        .copied()
        .filter(|f| d.holds((*f).into()))
        .collect();
    if failed.is_empty() {
        Ok(Outcome::Success)
    } else {
        let names: Vec<String> = failed.iter().map(|f| f.name()).collect();
        err_line(format_args!("gate failed: {}", names.join(", ")));
        Ok(Outcome::GateFailed)
    }
}

/// The diff in the format asked for (for `-o svg`, its charts written).
fn render_diff(
    a: &DiffArgs,
    d: &Diff,
    (old, ro): (&Cluster, &Reachability),
    (new, rn): (&Cluster, &Reachability),
    sim: &SimOptions,
    targets: &[Target],
) -> Result<String, CliError> {
    Ok(match a.output {
        DiffFormat::Text => render(&DiffOutput(d), Format::Text)?,
        DiffFormat::Md => render(&DiffOutput(d), Format::Md)?,
        DiffFormat::Json => render(&DiffOutput(d), Format::Json)?,
        DiffFormat::Svg => {
            let (dir, chosen) = match &a.out {
                Some(d) => (d.clone(), Chosen::ByUser),
                None => (PathBuf::from("out").join("diff"), Chosen::Default),
            };
            let name = format!(
                "{} -> {}",
                input_name(std::slice::from_ref(&a.old)),
                input_name(std::slice::from_ref(&a.new))
            );
            let old_side = ChartSide {
                cluster: old,
                reach: ro,
            };
            let new_side = ChartSide {
                cluster: new,
                reach: rn,
            };
            let files = diff_charts(&name, d, &old_side, &new_side, sim, targets)?;
            write_folder(&dir, chosen, &files).map_err(CliError::output)?;
            let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
            format!("wrote {} to {}\n", names.join(", "), path_text(&dir))
        }
    })
}
