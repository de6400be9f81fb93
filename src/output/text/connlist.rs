//! The `connlist` format of `reach` (np-guard netpol-analyzer's text).

use crate::engine::view::ConnView;

/// One `src => dst : conns` line per connection.
pub fn connlist(view: &ConnView) -> String {
    let mut s = String::new();
    for c in &view.connections {
        s.push_str(view.name(c.src));
        s.push_str(" => ");
        s.push_str(view.name(c.dst));
        s.push_str(" : ");
        s.push_str(&c.conn_text());
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::connlist;
    use crate::attack::fixtures::chain;
    use crate::engine::view::{ConnView, Level};

    #[test]
    fn one_line_per_connection() {
        let w = chain();
        let v = ConnView::build(&w.c, &w.r, Level::Workload);
        let s = connlist(&v);
        assert_eq!(s.lines().count(), v.connections.len());
        assert!(
            s.contains("x/a[Pod] => x/b[Deployment] : TCP 8080\n"),
            "{s}"
        );
    }
}
