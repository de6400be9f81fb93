//! The loader's state: objects converted so far, errors in input order,
//! objects claimed by identity; and the context of the object at hand.

use crate::input::decode::{self, Object};
use crate::input::error::{LoadError, LoadErrors, Problem, SourceError};
use crate::input::owners::Owners;
use crate::input::LoadOptions;
use crate::model::{Cluster, Origin, RuleLines};
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

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
    /// Hash of each (apiVersion, kind, namespace, name)'s first value and
    /// where it was, to accept identical duplicates.
    values: HashMap<(String, String, String, String), (u64, String)>,
    /// Identical duplicates read once, for one warning.
    identical: Vec<String>,
}

/// Where we are while converting one object.
pub(super) struct Ctx {
    origin: Origin,
    /// `kind name` (or `kind without a name`), as errors name the object.
    pub(super) object: String,
    /// Lines of its rules and peers, by the input's indices.
    pub(super) lines: RuleLines,
}

impl Ctx {
    pub(super) fn new(origin: Origin, object: String) -> Ctx {
        Ctx {
            origin,
            object,
            lines: RuleLines::default(),
        }
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

/// The line of the first Helm template action (`{{ .Values.x }}`,
/// `{{- include … }}`) of a text, if it is one: YAML has no `{{`, and a
/// rendered manifest keeps none of these.
fn helm_template_line(text: &str) -> Option<usize> {
    if !text.contains("{{") {
        return None;
    }
    text.lines().position(is_helm_line).map(|i| i + 1)
}

/// A line with a Helm template action (see [`helm_template_line`]).
pub(super) fn is_helm_line(l: &str) -> bool {
    l.find("{{").is_some_and(|i| {
        let rest = l
            .get(i + 2..)
            .unwrap_or("")
            .trim_start_matches('-')
            .trim_start();
        [
            ".Values",
            ".Release",
            ".Chart",
            ".Capabilities",
            "include ",
            "template ",
            "if ",
            "range ",
            "end",
            "toYaml",
        ]
        .iter()
        .any(|w| rest.starts_with(w))
    })
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
            values: HashMap::new(),
            identical: Vec::new(),
        }
    }

    pub(super) fn source_error(&mut self, file: &str, e: SourceError) {
        match e {
            SourceError::NotRead(why) => self.cluster.not_read.push((file.to_string(), why)),
            e => self.errors.push(LoadError::unreadable(file, e)),
        }
    }

    pub(super) fn add_text(&mut self, file: &str, text: &str, json: bool) {
        if let Some(line) = helm_template_line(text) {
            self.errors.push(LoadError {
                file: file.to_string(),
                doc: None,
                object: None,
                path: None,
                problem: Problem::HelmTemplate(line),
            });
            return;
        }
        if json {
            // Objects come in chunks and are converted as they come, so a
            // List of large items never holds all of their values at once.
            let mut take = |o: Result<Object, LoadError>| {
                match o {
                    Ok(o) => self.add_object(o),
                    Err(e) => self.add_error(e),
                }
                self.errors.len() < MAX_ERRORS
            };
            if let Err(e) = super::json::objects(file, text, &mut take) {
                self.errors.push(*e);
            }
            return;
        }
        if let Some(objects) = super::yaml::objects(file, text) {
            self.add_objects(objects);
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
                    Err(e) => self.add_error(e),
                }
            }
            if self.errors.len() >= MAX_ERRORS {
                return;
            }
        }
    }

    /// A YAML file too large to hold whole: a List read in pieces, or else
    /// the whole text, if memory allows.
    pub(super) fn add_large_yaml(&mut self, file: &str, path: &std::path::Path) {
        if let Some(objects) = super::yaml::objects_in_file(file, path) {
            self.add_objects(objects);
            return;
        }
        match super::sources::read_whole(path) {
            Ok(t) => self.add_text(file, &t.text, t.json),
            Err(e) => self.source_error(file, e),
        }
    }

    fn add_objects(&mut self, objects: Vec<Result<Object, LoadError>>) {
        for o in objects {
            match o {
                Ok(o) => self.add_object(o),
                Err(e) => self.add_error(e),
            }
            if self.errors.len() >= MAX_ERRORS {
                return;
            }
        }
    }

    /// An error, or a document that is not a Kubernetes object (counted).
    fn add_error(&mut self, e: LoadError) {
        if let Problem::NotKubernetes(why) = e.problem {
            let place = match e.doc {
                Some(d) => format!("{}: document {d}", e.file),
                None => e.file.clone(),
            };
            self.cluster
                .not_read
                .push((place, format!("not a Kubernetes object ({why})")));
        } else {
            self.errors.push(e);
        }
    }

    fn add_object(&mut self, o: Object) {
        if self.identical_again(&o) {
            return;
        }
        if let Err(es) = self.convert(o) {
            self.errors.extend(es);
        }
    }

    /// An object equal in every field to one read before (the same
    /// Namespace in two files, a chart's alternative manifests) is what
    /// `kubectl apply` accepts: read once, with a warning. A conflicting one
    /// goes on to [`Loader::claim`], which refuses it naming both places.
    fn identical_again(&mut self, o: &Object) -> bool {
        let decode::Body::Value(v) = &o.body else {
            return false;
        };
        if o.name.is_empty() {
            return false;
        }
        let ns = v
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(|n| n.as_str())
            .unwrap_or("")
            .to_string();
        let key = (o.api.clone(), o.kind.clone(), ns, o.name.clone());
        let mut h = std::collections::hash_map::DefaultHasher::new();
        v.hash(&mut h);
        let hash = h.finish();
        match self.values.get(&key) {
            // Within one file a second copy is a mistake of that file.
            Some((first_hash, first))
                if *first_hash == hash && !first.starts_with(&format!("{}: ", o.origin.file)) =>
            {
                let what = format!("{} {} ({}, first at {first})", key.1, key.3, o.origin);
                self.identical.push(what);
                true
            }
            Some(_) => false,
            None => {
                self.values.insert(key, (hash, o.origin.to_string()));
                false
            }
        }
    }

    pub(super) fn finish(mut self) -> Result<Cluster, LoadErrors> {
        if !self.errors.is_empty() {
            self.errors.truncate(MAX_ERRORS);
            return Err(LoadErrors(self.errors));
        }
        if !self.identical.is_empty() {
            let n = self.identical.len();
            let shown: Vec<&str> = self.identical.iter().take(3).map(String::as_str).collect();
            self.cluster.warnings.push(format!(
                "{n} object{} defined twice, identically, read once (as kubectl apply accepts them): {}{}",
                if n == 1 { " is" } else { "s are" },
                shown.join("; "),
                if n > 3 {
                    format!("; and {} more", n - 3)
                } else {
                    String::new()
                }
            ));
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
