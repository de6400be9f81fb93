//! `synth`: write a deterministic synthetic cluster.

use crate::cli::args::{LiveFormat, SynthArgs};
use crate::cli::error::{CliError, Outcome};
use crate::cli::print::{err_line, write_out};
use crate::input::manifest_objects;
use crate::output::error::OutputError;
use crate::output::files::{write_new_file, Chosen};
use crate::util::live::{write_dump, LiveOptions};
use crate::util::synth::{generate, SynthOptions};
use crate::util::text::path_text;
use std::io::Write as _;

pub fn run(a: SynthArgs) -> Result<Outcome, CliError> {
    if let Some(o) = &a.output {
        let hint = if o == "-" {
            "write to stdout with `--out -`"
        } else {
            "write into a folder with `--out DIR`, to stdout with `--out -`"
        };
        return Err(CliError::Usage(format!(
            "-o is the output format in every command, and synth has one only through --live json|yaml: {hint}"
        )));
    }
    match a.out.as_deref() {
        None => Err(CliError::Usage(
            "say where to write: --out DIR, or --out - for stdout".into(),
        )),
        Some(p) if p == std::path::Path::new("-") => generate_to(&a, None),
        Some(dir) => generate_to(&a, Some(dir)),
    }
}

/// Generate and write into `dir`, or to stdout when `None`.
fn generate_to(a: &SynthArgs, dir: Option<&std::path::Path>) -> Result<Outcome, CliError> {
    // Refused before generating (a large cluster takes a while); the write
    // itself refuses again, atomically, whatever appears meanwhile.
    if let Some(dir) = dir {
        let name = match a.live {
            Some(LiveFormat::Json) => "cluster.json",
            _ => "cluster.yaml",
        };
        if std::fs::symlink_metadata(dir.join(name)).is_ok() {
            return Err(CliError::output(OutputError::Exists(dir.join(name))));
        }
    }
    let text = match a.shape {
        Some(shape) => crate::util::shapes::generate(shape.into(), a.size),
        None => generate(&SynthOptions {
            pods: a.pods,
            namespaces: a.namespaces,
            policies: a.policies,
            seed: a.seed,
            label_diversity: a.label_diversity,
            admin_policies: a.admin_policies,
            baseline_policies: a.baseline_policies,
            heavy_policies: a.heavy_policies,
        }),
    };
    let (text, file_name) = match a.live {
        None => (text, "cluster.yaml"),
        Some(f) => {
            let objects = manifest_objects("synth", &text, false).map_err(CliError::Load)?;
            let opts = LiveOptions {
                workloads: a.with_workloads,
                yaml: f == LiveFormat::Yaml,
                seed: a.seed,
            };
            if dir.is_none() {
                // Straight to stdout: a 150,000-pod dump is over a gigabyte.
                let stdout = std::io::stdout();
                let mut w = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
                return match write_dump(&objects, opts, &mut w).and_then(|()| w.flush()) {
                    Ok(()) => Ok(Outcome::Success),
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::Success),
                    Err(e) => Err(CliError::Stdout(e)),
                };
            }
            let mut buf = Vec::new();
            write_dump(&objects, opts, &mut buf).map_err(CliError::Stdout)?;
            // serde_json and the YAML writer only ever write UTF-8.
            let text = String::from_utf8_lossy(&buf).into_owned();
            (
                text,
                if opts.yaml {
                    "cluster.yaml"
                } else {
                    "cluster.json"
                },
            )
        }
    };
    match dir {
        Some(dir) => {
            write_new_file(dir, Chosen::ByUser, file_name, &text).map_err(CliError::output)?;
            err_line(format_args!("wrote {}", path_text(&dir.join(file_name))));
            Ok(Outcome::Success)
        }
        None => write_out(&text),
    }
}
