//! `synth`: write a deterministic synthetic cluster.

use crate::cli::args::SynthArgs;
use crate::cli::error::{CliError, Outcome};
use crate::cli::print::write_out;
use crate::output::files::write_files;
use crate::util::synth::{generate, SynthOptions};

pub fn run(a: SynthArgs) -> Result<Outcome, CliError> {
    let text = generate(&SynthOptions {
        pods: a.pods,
        namespaces: a.namespaces,
        policies: a.policies,
        seed: a.seed,
        label_diversity: a.label_diversity,
    });
    match (&a.out, a.output.as_deref()) {
        (Some(dir), _) => {
            let file = dir.join("cluster.yaml");
            // A dangling link counts as existing: synth never writes over one.
            if std::fs::symlink_metadata(&file).is_ok() {
                return Err(CliError::Usage(format!(
                    "{} exists; synth never overwrites a file: choose an empty folder",
                    file.display()
                )));
            }
            write_files(dir, &[("cluster.yaml".into(), text)]).map_err(CliError::output)?;
            eprintln!("wrote {}", file.display());
            Ok(Outcome::Success)
        }
        (None, Some("-")) => write_out(&text),
        (None, Some(other)) => Err(CliError::Usage(format!(
            "-o takes `-` (stdout), got `{other}`; use --out DIR for a folder"
        ))),
        (None, None) => Err(CliError::Usage(
            "say where to write: --out DIR or -o -".into(),
        )),
    }
}
