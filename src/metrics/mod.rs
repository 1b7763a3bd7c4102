//! Classification metrics from predictions: the confusion matrix in the lab's orientation and
//! per-class precision, recall and F1. Pure functions, no I/O.

use serde::{Deserialize, Serialize};

/// The orientation used everywhere: stated in every file and on screen.
pub const ORIENTATION: &str = "rows = predicted class, columns = actual class";

/// `counts[predicted][actual]`: rows are what the network said, columns what the digit was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    pub counts: Vec<Vec<u64>>,
}

/// One off-diagonal cell: `actual` digits taken for `predicted`, `count` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    pub actual: usize,
    pub predicted: usize,
    pub count: u64,
}

impl ConfusionMatrix {
    pub fn new(classes: usize, labels: &[u8], predicted: &[u8]) -> ConfusionMatrix {
        let mut counts = vec![vec![0u64; classes]; classes];
        for (&a, &p) in labels.iter().zip(predicted) {
            counts[p as usize][a as usize] += 1;
        }
        ConfusionMatrix { counts }
    }
    pub fn classes(&self) -> usize {
        self.counts.len()
    }
    pub fn get(&self, predicted: usize, actual: usize) -> u64 {
        self.counts[predicted][actual]
    }
    /// Number of predictions of class `predicted`.
    pub fn row_sum(&self, predicted: usize) -> u64 {
        self.counts[predicted].iter().sum()
    }
    /// Number of examples whose actual class is `actual` (the support).
    pub fn col_sum(&self, actual: usize) -> u64 {
        self.counts.iter().map(|r| r[actual]).sum()
    }
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }
    pub fn correct(&self) -> u64 {
        (0..self.classes()).map(|i| self.counts[i][i]).sum()
    }
    /// Share of actual class `actual` that was predicted as `predicted` (each column sums to 1).
    pub fn column_normalized(&self, predicted: usize, actual: usize) -> f64 {
        let col = self.col_sum(actual);
        if col == 0 {
            0.0
        } else {
            self.get(predicted, actual) as f64 / col as f64
        }
    }
    /// Off-diagonal cells, most frequent first (ties: by actual, then predicted class).
    pub fn top_confusions(&self, n: usize) -> Vec<Confusion> {
        let mut cells: Vec<Confusion> = (0..self.classes())
            .flat_map(|p| (0..self.classes()).map(move |a| (p, a)))
            .filter(|&(p, a)| p != a && self.counts[p][a] > 0)
            .map(|(p, a)| Confusion { actual: a, predicted: p, count: self.counts[p][a] })
            .collect();
        cells.sort_by(|x, y| y.count.cmp(&x.count).then(x.actual.cmp(&y.actual)).then(x.predicted.cmp(&y.predicted)));
        cells.truncate(n);
        cells
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub class: usize,
    /// M[i][i] / row sum; 0 when the class was never predicted (stated in reports).
    pub precision: f64,
    /// M[i][i] / column sum.
    pub recall: f64,
    pub f1: f64,
    /// Test examples of this class (column sum).
    pub support: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Averages {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Everything the lab asks about one evaluation, in sklearn's `classification_report` terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    pub accuracy: f64,
    pub confusion: ConfusionMatrix,
    pub per_class: Vec<ClassMetrics>,
    pub macro_avg: Averages,
    pub weighted_avg: Averages,
}

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

impl ClassificationReport {
    pub fn new(classes: usize, labels: &[u8], predicted: &[u8]) -> ClassificationReport {
        ClassificationReport::from_confusion(ConfusionMatrix::new(classes, labels, predicted))
    }

    pub fn from_confusion(confusion: ConfusionMatrix) -> ClassificationReport {
        let per_class: Vec<ClassMetrics> = (0..confusion.classes())
            .map(|i| {
                let tp = confusion.get(i, i);
                let precision = ratio(tp, confusion.row_sum(i));
                let recall = ratio(tp, confusion.col_sum(i));
                let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
                ClassMetrics { class: i, precision, recall, f1, support: confusion.col_sum(i) }
            })
            .collect();
        let n = per_class.len() as f64;
        let total = confusion.total() as f64;
        let avg = |weight: &dyn Fn(&ClassMetrics) -> f64, denom: f64| Averages {
            precision: per_class.iter().map(|c| weight(c) * c.precision).sum::<f64>() / denom,
            recall: per_class.iter().map(|c| weight(c) * c.recall).sum::<f64>() / denom,
            f1: per_class.iter().map(|c| weight(c) * c.f1).sum::<f64>() / denom,
        };
        let macro_avg = avg(&|_| 1.0, n);
        let weighted_avg = avg(&|c| c.support as f64, total.max(1.0));
        ClassificationReport {
            accuracy: ratio(confusion.correct(), confusion.total()),
            confusion,
            per_class,
            macro_avg,
            weighted_avg,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_orientation_and_formulas() {
        // actual: 0 0 0 1 1 2 ; predicted: 0 0 1 1 1 1
        let labels = [0, 0, 0, 1, 1, 2];
        let pred = [0, 0, 1, 1, 1, 1];
        let r = ClassificationReport::new(3, &labels, &pred);
        // Row 1 (predicted 1) holds one actual 0, two actual 1, one actual 2.
        assert_eq!(r.confusion.counts[1], vec![1, 2, 1]);
        assert_eq!(r.confusion.col_sum(0), 3);
        let c1 = r.per_class[1];
        assert_eq!((c1.precision, c1.recall, c1.support), (0.5, 1.0, 2));
        assert!((c1.f1 - 2.0 / 3.0).abs() < 1e-12);
        // Class 2 is never predicted: precision 0 by convention, F1 0.
        assert_eq!((r.per_class[2].precision, r.per_class[2].f1), (0.0, 0.0));
        assert!((r.accuracy - 4.0 / 6.0).abs() < 1e-12);
        let macro_recall = (2.0 / 3.0 + 1.0 + 0.0) / 3.0;
        assert!((r.macro_avg.recall - macro_recall).abs() < 1e-12);
        // Weighted recall equals accuracy.
        assert!((r.weighted_avg.recall - r.accuracy).abs() < 1e-12);
        assert_eq!(r.confusion.top_confusions(5), vec![
            Confusion { actual: 0, predicted: 1, count: 1 },
            Confusion { actual: 2, predicted: 1, count: 1 },
        ]);
    }
}


