//! The loader's state: objects converted so far, errors in input order,
//! objects claimed by identity; and the context of the object at hand.

use crate::input::decode::{self, Object};
use crate::input::error::{LoadError, LoadErrors, Problem, SourceError};
use crate::input::owners::Owners;
use crate::input::LoadOptions;
use crate::model::{Cluster, Origin};
use std::collections::BTreeMap;

/// Most errors reported from one input before giving up.
const MAX_ERRORS: usize = 50;

pub(super) struct Loader {
    pub(super) opts: LoadOptions,
    pub(super) cluster: Cluster,
    errors: Vec<LoadError>,
    /// First origin of each (kind, namespace, name), for SEM-11.
    seen: BTreeMap<(String, String, String), String>,
    /// Owner references, to count live input once.
    pub(super) owners: Owners,
}

/// Where we are while converting one object.
pub(super) struct Ctx {
    origin: Origin,
    /// `kind name` (or `kind without a name`), as errors name the object.
    pub(super) object: String,
}

impl Ctx {
    pub(super) fn new(origin: Origin, object: String) -> Ctx {
        Ctx { origin, object }
    }

    pub(super) fn origin(&self) -> Origin {
        self.origin.clone()
    }

    /// A field path of the object, inside `items[i]` for a list item.
    pub(super) fn path(&self, p: &str) -> String {
        match self.origin.item {
            Some(i) => format!("items[{i}].{p}"),
            None => p.to_string(),
        }
    }

    pub(super) fn err(&self, path: &str, msg: impl Into<Problem>) -> LoadError {
        LoadError {
            file: self.origin.file.clone(),
            doc: Some(self.origin.doc),
            object: Some(self.object.clone()),
            path: Some(self.path(path)),
            problem: msg.into(),
        }
    }
}

/// `Ok` when no error was found.
pub(super) fn ok_or(errs: Vec<LoadError>) -> Result<(), Vec<LoadError>> {
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}

impl Loader {
    pub(super) fn new(opts: LoadOptions) -> Loader {
        Loader {
            opts,
            cluster: Cluster::default(),
            errors: Vec::new(),
            seen: BTreeMap::new(),
            owners: Owners::default(),
        }
    }

    pub(super) fn source_error(&mut self, file: &str, e: SourceError) {
        self.errors.push(LoadError::unreadable(file, e));
    }

    pub(super) fn add_text(&mut self, file: &str, text: &str, json: bool) {
        let fast = if json {
            match super::json::objects(file, text) {
                Ok(objects) => Some(objects),
                Err(e) => {
                    self.errors.push(*e);
                    return;
                }
            }
        } else {
            super::yaml::objects(file, text)
        };
        if let Some(objects) = fast {
            for o in objects {
                match o {
                    Ok(o) => self.add_object(o),
                    Err(e) => self.errors.push(e),
                }
                if self.errors.len() >= MAX_ERRORS {
                    return;
                }
            }
            return;
        }
        let docs = match decode::decode(file, text, json) {
            Ok(d) => d,
            Err(e) => {
                self.errors.push(*e);
                return;
            }
        };
        for d in docs {
            for o in decode::expand(file, d) {
                match o {
                    Ok(o) => self.add_object(o),
                    Err(e) => self.errors.push(e),
                }
            }
            if self.errors.len() >= MAX_ERRORS {
                return;
            }
        }
    }

    fn add_object(&mut self, o: Object) {
        if let Err(es) = self.convert(o) {
            self.errors.extend(es);
        }
    }

    pub(super) fn finish(mut self) -> Result<Cluster, LoadErrors> {
        if !self.errors.is_empty() {
            self.errors.truncate(MAX_ERRORS);
            return Err(LoadErrors(self.errors));
        }
        if self.cluster.pods.is_empty()
            && self.cluster.policies.is_empty()
            && self.cluster.namespaces.is_empty()
        {
            self.cluster.warnings.push(if self.cluster.skipped.is_empty() {
                "no Kubernetes objects found in the input".to_string()
            } else {
                format!(
                    "no pods, workloads, namespaces or NetworkPolicies in the input (only {} other objects)",
                    self.cluster.skipped.len()
                )
            });
        }
        let owners = std::mem::take(&mut self.owners);
        owners.resolve(
            &mut self.cluster.pods,
            &mut self.cluster.skipped,
            self.opts.keep_replicaset_names,
        );
        self.cluster.finish();
        Ok(self.cluster)
    }

    /// Refuse a second object with the same kind, namespace and name (SEM-11).
    pub(super) fn claim(
        &mut self,
        ctx: &Ctx,
        kind: &str,
        ns: &str,
        name: &str,
    ) -> Result<(), Vec<LoadError>> {
        let key = (kind.to_string(), ns.to_string(), name.to_string());
        let here = ctx.origin().to_string();
        if let Some(first) = self.seen.get(&key) {
            let what = if ns.is_empty() {
                format!("{kind} \"{name}\"")
            } else {
                format!("{kind} \"{ns}/{name}\"")
            };
            return Err(vec![ctx.err(
                "metadata.name",
                format!(
                    "duplicate object: {what} is already defined at {first}; an object is identified by kind, namespace and name, so remove or rename one of them"
                ),
            )]);
        }
        self.seen.insert(key, here);
        Ok(())
    }
}
