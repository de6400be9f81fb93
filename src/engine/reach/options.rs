//! The choices the API leaves to the implementation, as compile options.

/// Choices the API leaves to the implementation.
#[derive(Clone, Debug)]
pub struct ReachOptions {
    /// SEM-24..27: whether `ipBlock` peers match pods whose IP falls in the
    /// block (Calico, the upstream e2e suite) or never match pods (Cilium,
    /// np-guard). Pods without a known IP never match (SEM-51).
    pub ipblock_pods: bool,
}

impl Default for ReachOptions {
    fn default() -> Self {
        ReachOptions { ipblock_pods: true }
    }
}

impl ReachOptions {
    /// np-guard netpol-analyzer: "IP ranges are external", never pods.
    pub fn np_guard() -> ReachOptions {
        ReachOptions {
            ipblock_pods: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_matches_pod_ips() {
        // SEM-27: match pod IPs by default, as the upstream e2e suite expects.
        assert!(ReachOptions::default().ipblock_pods);
    }
}
