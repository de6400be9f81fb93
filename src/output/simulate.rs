//! What `simulate` prints: deterministic spread (text, Markdown, JSON) and
//! Monte Carlo spread (text, JSON).

use crate::attack::graph::SimOptions;
use crate::attack::montecarlo::{McOptions, McResult};
use crate::attack::simulate::{Ranked, SimResult};
use crate::output::format::{Format, Render};
use crate::output::json::{montecarlo::MonteCarloDoc, pretty, simulate::SimulateDoc};
use crate::output::text::montecarlo;
use crate::output::text::simulate::{ranking_md, ranking_text_in, sim_md, sim_text};

/// Deterministic simulations from the starting points, and the `--all` ranking.
pub struct SimulateOutput<'a> {
    pub ipblock_pods: bool,
    pub options: &'a SimOptions,
    pub simulations: &'a [SimResult],
    pub ranking: Option<&'a [Ranked]>,
    /// Rows of the ranking to print (text and Markdown).
    pub top: usize,
    /// `--all -n NS`: the ranking holds the workloads of NS only.
    pub namespace: Option<&'a str>,
}

impl Render for SimulateOutput<'_> {
    fn what(&self) -> &'static str {
        "simulate"
    }
    fn formats(&self) -> &'static [Format] {
        &[Format::Text, Format::Json, Format::Md]
    }
    fn write(&self, format: Format) -> Option<String> {
        Some(match format {
            Format::Text => {
                let mut s = sim_text(self.simulations);
                if let Some(r) = self.ranking {
                    if !s.is_empty() {
                        s.push('\n');
                    }
                    s.push_str(&ranking_text_in(r, self.top, self.namespace));
                }
                s
            }
            Format::Md => {
                let mut s = sim_md(self.simulations, None);
                if let Some(r) = self.ranking {
                    s.push_str(&ranking_md(r, self.top));
                }
                s
            }
            Format::Json => {
                let mut doc = SimulateDoc::new(
                    self.ipblock_pods,
                    self.options,
                    self.simulations,
                    self.ranking,
                );
                doc.ranking_namespace = self
                    .namespace
                    .filter(|_| self.ranking.is_some())
                    .map(str::to_string);
                pretty(&doc)
            }
            _ => return None,
        })
    }
}

/// Monte Carlo results, one per starting point.
pub struct MonteCarloOutput<'a> {
    pub options: &'a McOptions,
    pub results: &'a [McResult],
}

impl Render for MonteCarloOutput<'_> {
    fn what(&self) -> &'static str {
        "simulate --model monte-carlo"
    }
    fn formats(&self) -> &'static [Format] {
        &[Format::Text, Format::Json]
    }
    fn write(&self, format: Format) -> Option<String> {
        match format {
            Format::Text => {
                let parts: Vec<String> = self.results.iter().map(montecarlo::text).collect();
                Some(parts.join("\n"))
            }
            Format::Json => Some(pretty(&MonteCarloDoc::new(self.options, self.results))),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::format::render;

    #[test]
    fn monte_carlo_has_no_markdown() {
        let o = McOptions::default();
        let out = MonteCarloOutput {
            options: &o,
            results: &[],
        };
        let e = render(&out, Format::Md).unwrap_err();
        assert_eq!(
            e.to_string(),
            "error: simulate --model monte-carlo cannot write -o md; choose text or json"
        );
        assert!(render(&out, Format::Json)
            .unwrap()
            .contains("blastradius.montecarlo/v1"));
    }
}
