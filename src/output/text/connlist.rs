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
        s.push_str(&c.conns.to_connlist());
        s.push('\n');
    }
    s
}
