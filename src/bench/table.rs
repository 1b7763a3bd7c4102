//! A plain-text table with aligned columns (first column left-aligned, the rest too: values carry units).

pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<S: ToString>(header: impl IntoIterator<Item = S>) -> Table {
        Table { rows: vec![header.into_iter().map(|s| s.to_string()).collect()] }
    }

    pub fn row<S: ToString>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(|s| s.to_string()).collect());
    }

    /// Columns padded to their widest cell, separated by ` | `, with a rule under the header.
    pub fn render(&self) -> String {
        let cols = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let width = |c: usize| self.rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0);
        let widths: Vec<usize> = (0..cols).map(width).collect();
        let mut out = String::new();
        for (i, row) in self.rows.iter().enumerate() {
            let cells: Vec<String> = (0..cols)
                .map(|c| {
                    let s = row.get(c).map_or("", String::as_str);
                    format!("{s}{}", " ".repeat(widths[c] - s.chars().count()))
                })
                .collect();
            out.push_str(cells.join(" | ").trim_end());
            out.push('\n');
            if i == 0 {
                let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
                out.push_str(&rule.join("-|-"));
                out.push('\n');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_with_unicode_cells() {
        let mut t = Table::new(["", "W1"]);
        t.row(["ratio", "0.72×"]);
        t.row(["s/epoch", "0.340 s"]);
        assert_eq!(t.render(), "        | W1\n--------|--------\nratio   | 0.72×\ns/epoch | 0.340 s\n");
    }
}
